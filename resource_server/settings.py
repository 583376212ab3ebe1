"""The resource server's settings: one frozen object, built once, passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shared.config import Option, Reader, SettingError, check_url, service_options, url_host

DAY = 86_400
# RFC 8725 §3.1: asymmetric algorithms only; never `none`, never HMAC.
SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
# RFC 9728 §3: the metadata lives at this path, followed by the identifier's own path.
METADATA_PATH = "/.well-known/oauth-protected-resource"

OPTIONS: tuple[Option, ...] = (
    *service_options("RESOURCE", 8001, "resource"),
    Option(
        "RESOURCE_IDENTIFIER",
        "the audience this server accepts, and its RFC 9728 `resource`",
        "http://{RESOURCE_HOST}:{RESOURCE_PORT}",
    ),
    Option("RESOURCE_ISSUER", "the one issuer it trusts", "http://127.0.0.1:8000"),
    Option("RESOURCE_JWKS_URI", "where to fetch keys", "taken from the issuer's metadata"),
    Option("RESOURCE_LEEWAY", "seconds of clock skew allowed on `exp`/`nbf`/`iat`", "30"),
    Option("RESOURCE_ALGORITHMS", "accepted `alg` values, comma-separated", "RS256"),
    Option(
        "RESOURCE_JWKS_COOLDOWN",
        "least seconds between two JWKS fetches caused by unknown `kid`s",
        "30",
    ),
    Option("RESOURCE_SCOPES", "the scopes listed in the RFC 9728 metadata", "read write"),
    Option(
        "RESOURCE_REVOCATION_POLL_INTERVAL",
        "seconds between two polls of the issuer's revocation feed; 0 turns polling off",
        "0",
    ),
    Option(
        "RESOURCE_ACCOUNT_CACHE",
        "on: GET /account answered from memory until the database tells of a change; off:"
        " every GET reads the database",
        "on",
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
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    log_level: str = "info"
    log_format: str = "text"

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
        jwks_uri = read.raw("RESOURCE_JWKS_URI")
        settings = cls(
            host=host,
            port=port,
            identifier=read.url("RESOURCE_IDENTIFIER", f"http://{url_host(host)}:{port or 8001}"),
            issuer=read.url("RESOURCE_ISSUER", "http://127.0.0.1:8000"),
            jwks_uri=None if jwks_uri is None else check_url("RESOURCE_JWKS_URI", jwks_uri.strip()),
            database_url=read.database_url("RESOURCE_DATABASE_URL", "sqlite:///var/resource.db"),
            leeway=read.integer("RESOURCE_LEEWAY", 30, low=0, high=600),
            algorithms=_algorithms(read),
            jwks_cooldown=read.integer("RESOURCE_JWKS_COOLDOWN", 30, low=1, high=DAY),
            scopes=read.scopes("RESOURCE_SCOPES", "read write"),
            revocation_poll_interval=read.integer(
                "RESOURCE_REVOCATION_POLL_INTERVAL", 0, low=0, high=3600
            ),
            account_cache=read.choice("RESOURCE_ACCOUNT_CACHE", "on", ("on", "off")) == "on",
            client_id=read.raw("RESOURCE_CLIENT_ID"),
            client_secret=read.raw("RESOURCE_CLIENT_SECRET"),
            log_level=read.log_level("RESOURCE"),
            log_format=read.log_format("RESOURCE"),
        )
        _check_revocation(settings)
        return settings


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
