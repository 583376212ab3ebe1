"""The resource server's settings: one frozen object, built once, passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shared.config import Option, Reader, SettingError, check_url, public_url, service_options
from shared.proxies import NO_PROXIES, TrustedProxies, service_settings

DAY = 86_400
MAX_LEEWAY = 60
# RFC 8725 §3.1: asymmetric algorithms only; never `none`, never HMAC.
SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
# RFC 9728 §3: the metadata lives at this path, followed by the identifier's own path.
METADATA_PATH = "/.well-known/oauth-protected-resource"
# Seconds between two reads of the revocation feed once this server has its client.
DEFAULT_POLL_INTERVAL = 10

OPTIONS: tuple[Option, ...] = (
    *service_options("RESOURCE", 8001, "resource", "the metadata and protected routes"),
    Option(
        "RESOURCE_IDENTIFIER",
        "the audience this server accepts, and its RFC 9728 `resource`",
        "http://{RESOURCE_HOST}:{RESOURCE_PORT}",
    ),
    Option("RESOURCE_ISSUER", "the one issuer it trusts", "http://127.0.0.1:8000"),
    Option("RESOURCE_JWKS_URI", "where to fetch keys", "taken from the issuer's metadata"),
    Option(
        "RESOURCE_LEEWAY", "seconds of clock skew allowed on `exp`/`nbf`/`iat` (at most 60)", "30"
    ),
    Option("RESOURCE_ALGORITHMS", "accepted `alg` values, comma-separated", "RS256"),
    Option(
        "RESOURCE_JWKS_COOLDOWN",
        "least seconds between two JWKS fetches caused by unknown `kid`s",
        "30",
    ),
    Option("RESOURCE_SCOPES", "the scopes listed in the RFC 9728 metadata", "read write"),
    Option(
        "RESOURCE_AUTH_SERVER_URL",
        "where this server reaches the issuer (metadata, keys, feed) when the issuer's URL is"
        " not reachable from here, as in containers; `iss` must still be RESOURCE_ISSUER",
        "RESOURCE_ISSUER",
    ),
    Option(
        "RESOURCE_REVOCATION_POLL_INTERVAL",
        "seconds between two polls of the issuer's revocation feed; 0 turns polling off",
        "10 when RESOURCE_CLIENT_ID is set, else 0",
    ),
    Option(
        "RESOURCE_ACCOUNT_CACHE",
        "on: GET /account answered from memory until the database tells of a change; off:"
        " every GET reads the database",
        "on",
    ),
    Option(
        "RESOURCE_DPOP",
        "`allowed` (Bearer and DPoP tokens) or `required` (DPoP-bound tokens only, RFC 9449)",
        "allowed",
    ),
    Option("RESOURCE_CLIENT_ID", "this server's client at the issuer, to read the feed", None),
    Option("RESOURCE_CLIENT_SECRET", "that client's secret", None, secret=True),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the resource server is configured with."""

    host: str = "127.0.0.1"
    port: int = 8001
    identifier: str = "http://127.0.0.1:8001"
    issuer: str = "http://127.0.0.1:8000"
    jwks_uri: str | None = None
    database_url: str = "sqlite:///var/resource.db"
    leeway: int = 30
    algorithms: tuple[str, ...] = ("RS256",)
    jwks_cooldown: float = 30.0
    scopes: tuple[str, ...] = ("read", "write")
    revocation_poll_interval: float = 0.0
    account_cache: bool = True
    dpop: str = "allowed"
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    cors_origins: tuple[str, ...] = ("*",)
    log_level: str = "info"
    log_format: str = "text"
    metrics_listen: tuple[str, int] | None = None
    trusted_proxies: TrustedProxies = NO_PROXIES
    auth_server_url: str | None = None

    @property
    def back_channel(self) -> str:
        """The base URL the issuer is reached at: RESOURCE_AUTH_SERVER_URL, else the issuer."""
        return self.auth_server_url or self.issuer

    @property
    def metadata_path(self) -> str:
        """RFC 9728 §3.1: the well-known path, then the identifier's path, if any."""
        return METADATA_PATH + urlsplit(self.identifier).path.rstrip("/")

    @property
    def metadata_url(self) -> str:
        """The `resource_metadata` URL named in every Bearer challenge (RFC 9728 §5.1)."""
        parts = urlsplit(self.identifier)
        return f"{parts.scheme}://{parts.netloc}{self.metadata_path}"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, flags: Mapping[str, str | None] | None = None
    ) -> Settings:
        """Read flags, then the environment; SettingError names the first bad setting."""
        read = Reader(os.environ if environ is None else environ, flags or {})
        host = read.host("RESOURCE_HOST", "127.0.0.1")
        port = read.integer("RESOURCE_PORT", 8001, low=0, high=65535)
        client_id = read.raw("RESOURCE_CLIENT_ID")
        settings = cls(
            host=host,
            port=port,
            identifier=public_url(read, "RESOURCE_IDENTIFIER", "RESOURCE_HOST", host, port or 8001),
            issuer=read.url("RESOURCE_ISSUER", "http://127.0.0.1:8000"),
            jwks_uri=_optional_url(read, "RESOURCE_JWKS_URI"),
            database_url=read.database_url("RESOURCE_DATABASE_URL", "sqlite:///var/resource.db"),
            # The issuer lists a revocation EXPIRY_MARGIN (60 s) past its token's `exp`: a
            # larger leeway would accept a revoked token once the feed stops listing it.
            leeway=read.integer("RESOURCE_LEEWAY", 30, low=0, high=MAX_LEEWAY),
            algorithms=_algorithms(read),
            jwks_cooldown=read.integer("RESOURCE_JWKS_COOLDOWN", 30, low=1, high=DAY),
            scopes=read.scopes("RESOURCE_SCOPES", "read write"),
            revocation_poll_interval=read.integer(
                "RESOURCE_REVOCATION_POLL_INTERVAL",
                DEFAULT_POLL_INTERVAL if client_id else 0,
                low=0,
                high=3600,
            ),
            account_cache=read.choice("RESOURCE_ACCOUNT_CACHE", "on", ("on", "off")) == "on",
            dpop=read.choice("RESOURCE_DPOP", "allowed", ("allowed", "required")),
            client_id=client_id,
            client_secret=read.raw("RESOURCE_CLIENT_SECRET"),
            **service_settings(read, "RESOURCE"),
            auth_server_url=_optional_url(read, "RESOURCE_AUTH_SERVER_URL"),
        )
        _check_revocation(settings)
        return settings


def _optional_url(read: Reader, name: str) -> str | None:
    value = read.raw(name)
    return None if value is None else check_url(name, value.strip())


def _algorithms(read: Reader) -> tuple[str, ...]:
    algorithms = read.words("RESOURCE_ALGORITHMS", "RS256")
    for alg in algorithms:
        if alg not in SUPPORTED_ALGORITHMS:
            allowed = ", ".join(sorted(SUPPORTED_ALGORITHMS))
            raise SettingError("RESOURCE_ALGORITHMS", f"{alg!r} is not one of {allowed}")
    return algorithms


def _check_revocation(settings: Settings) -> None:
    """Polling the revocation feed needs this server's client credentials at the issuer."""
    if not settings.revocation_poll_interval:
        return
    for name, value in (
        ("RESOURCE_CLIENT_ID", settings.client_id),
        ("RESOURCE_CLIENT_SECRET", settings.client_secret),
    ):
        if value is None:
            raise SettingError(name, "required when RESOURCE_REVOCATION_POLL_INTERVAL is set")
