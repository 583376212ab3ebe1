"""The authorization server's settings: one frozen object, built once, passed down."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from auth_server.signing.jose import SIGNING_ALGORITHMS
from shared.config import Option, Reader, SettingError, check_url, public_url, service_options
from shared.proxies import NO_PROXIES, TrustedProxies, service_settings

DAY = 86_400

OPTIONS: tuple[Option, ...] = (
    *service_options("AUTH", 8000, "auth", "the credential-less endpoints"),
    Option(
        "AUTH_ISSUER",
        "the `iss` of every token and the base of every endpoint URL",
        "http://{AUTH_HOST}:{AUTH_PORT}",
    ),
    Option("AUTH_ACCESS_TOKEN_TTL", "access token lifetime, seconds", "900"),
    Option("AUTH_ID_TOKEN_TTL", "ID token lifetime (OpenID Connect), seconds", "900"),
    Option("AUTH_REFRESH_TOKEN_TTL", "refresh token lifetime, seconds", "2592000"),
    Option(
        "AUTH_REFRESH_TOKEN_MAX_AGE",
        "absolute lifetime of a refresh-token family (rotation never extends it), seconds",
        "7776000",
    ),
    Option("AUTH_SESSION_TTL", "how long a sign-in lasts in the browser, seconds", "28800"),
    Option(
        "AUTH_DEFAULT_AUDIENCE",
        "`aud` when a token request names no `resource`",
        "http://127.0.0.1:8001",
    ),
    Option("AUTH_SCOPES", "the scopes clients may be given, space-separated", "read write"),
    Option("AUTH_JWKS_MAX_AGE", "Cache-Control max-age of the JWKS, seconds", "300"),
    Option(
        "AUTH_KEY_PUBLISH_DELAY",
        "how long a new key is published before it signs, seconds (at least AUTH_JWKS_MAX_AGE)",
        "AUTH_JWKS_MAX_AGE",
    ),
    Option(
        "AUTH_KEY_ROTATION_INTERVAL",
        "how long a key signs before a scheduled rotation replaces it, seconds (30 days)",
        "2592000",
    ),
    Option(
        "AUTH_SIGNING_ALG",
        "algorithm of new signing keys: RS256, PS256, ES256 or EdDSA (Ed25519)",
        "RS256",
    ),
    Option(
        "AUTH_DPOP_NONCE",
        "`on`: the token endpoint asks for server nonces in DPoP proofs (RFC 9449 §8)",
        "off",
    ),
    Option("AUTH_DATA_DIR", "directory for generated secrets when none are configured", "var"),
    Option(
        "AUTH_KEY_ENCRYPTION_KEY",
        "32 bytes, base64: encrypts signing keys at rest",
        "generated into AUTH_DATA_DIR",
        secret=True,
    ),
    Option(
        "AUTH_SECRET_PEPPER",
        "32 bytes, base64: HMAC key for stored client-secret digests",
        "generated into AUTH_DATA_DIR",
        secret=True,
    ),
    Option(
        "AUTH_REGISTRATION_TOKEN",
        "initial access token for dynamic registration (RFC 7591); unset = registration closed",
        None,
        secret=True,
    ),
    Option("AUTH_DEVICE_CODE_TTL", "device flow (RFC 8628): `expires_in`, seconds", "600"),
    Option("AUTH_DEVICE_POLL_INTERVAL", "device flow: the polling `interval`, seconds", "5"),
    Option(
        "AUTH_REGISTRATION",
        "closed, token (needs AUTH_REGISTRATION_TOKEN) or open (anonymous RFC 7591)",
        "token when AUTH_REGISTRATION_TOKEN is set, else closed",
    ),
    Option(
        "AUTH_CLIENT_ID_METADATA_DOCUMENTS",
        "off, https (client ids that are public https URLs) or any (also http and loopback)",
        "off",
    ),
    Option(
        "AUTH_AUDIENCES",
        "further resource identifiers this server issues tokens for, comma-separated",
        "none",
    ),
)

REGISTRATION_MODES = ("closed", "token", "open")
DOCUMENT_MODES = ("off", "https", "any")

MIN_REGISTRATION_TOKEN_LENGTH = 32
# RFC 6750 §2.1: what a Bearer credential may consist of.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the authorization server is configured with."""

    host: str = "127.0.0.1"
    port: int = 8000
    issuer: str = "http://127.0.0.1:8000"
    database_url: str = "sqlite:///var/auth.db"
    access_token_ttl: int = 900
    id_token_ttl: int = 900
    refresh_token_ttl: int = 30 * DAY
    refresh_token_max_age: int = 90 * DAY
    session_ttl: int = 8 * 3600
    default_audience: str = "http://127.0.0.1:8001"
    scopes: tuple[str, ...] = ("read", "write")
    jwks_max_age: int = 300
    key_publish_delay: int | None = None
    key_rotation_interval: int = 30 * DAY
    signing_alg: str = "RS256"
    dpop_nonce: bool = False
    data_dir: Path = Path("var")
    key_encryption_key: str | None = field(default=None, repr=False)
    secret_pepper: str | None = field(default=None, repr=False)
    registration_token: str | None = field(default=None, repr=False)
    device_code_ttl: int = 600
    device_poll_interval: int = 5
    # None: `token` when a registration token is set, else `closed` (SPEC's default).
    registration: str | None = None
    client_id_metadata_documents: str = "off"
    audiences: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ("*",)
    log_level: str = "info"
    log_format: str = "text"
    metrics_listen: tuple[str, int] | None = None
    trusted_proxies: TrustedProxies = NO_PROXIES
    workers: int = 1
    """Processes `serve` runs (its `--workers`, not a setting): where tokens are signed."""

    @property
    def secure_cookies(self) -> bool:
        """Cookies are `Secure` when the issuer is https."""
        return self.issuer.startswith("https:")

    @property
    def registration_mode(self) -> str:
        """`closed`, `token` or `open`: who may use the registration endpoint."""
        if self.registration is not None:
            return self.registration
        return "closed" if self.registration_token is None else "token"

    @property
    def known_audiences(self) -> tuple[str, ...]:
        """Every resource this server issues tokens for: the default one first."""
        return tuple(dict.fromkeys((self.default_audience, *self.audiences)))

    @property
    def publish_delay(self) -> int:
        """Seconds a new key is published before it signs: AUTH_JWKS_MAX_AGE unless set."""
        return self.jwks_max_age if self.key_publish_delay is None else self.key_publish_delay

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, flags: Mapping[str, str | None] | None = None
    ) -> Settings:
        """Read flags, then the environment; SettingError names the first bad setting."""
        read = Reader(os.environ if environ is None else environ, flags or {})
        host = read.host("AUTH_HOST", "127.0.0.1")
        port = read.integer("AUTH_PORT", 8000, low=0, high=65535)
        jwks_max_age = read.integer("AUTH_JWKS_MAX_AGE", 300, low=0, high=DAY)
        publish_delay = _publish_delay(read, jwks_max_age)
        return cls(
            host=host,
            port=port,
            issuer=public_url(read, "AUTH_ISSUER", "AUTH_HOST", host, port or 8000),
            database_url=read.database_url("AUTH_DATABASE_URL", "sqlite:///var/auth.db"),
            access_token_ttl=read.integer("AUTH_ACCESS_TOKEN_TTL", 900, low=1, high=DAY),
            id_token_ttl=read.integer("AUTH_ID_TOKEN_TTL", 900, low=1, high=DAY),
            refresh_token_ttl=read.integer(
                "AUTH_REFRESH_TOKEN_TTL", 30 * DAY, low=60, high=365 * DAY
            ),
            refresh_token_max_age=read.integer(
                "AUTH_REFRESH_TOKEN_MAX_AGE", 90 * DAY, low=60, high=5 * 365 * DAY
            ),
            session_ttl=read.integer("AUTH_SESSION_TTL", 8 * 3600, low=60, high=30 * DAY),
            default_audience=read.url("AUTH_DEFAULT_AUDIENCE", "http://127.0.0.1:8001"),
            scopes=read.scopes("AUTH_SCOPES", "read write"),
            jwks_max_age=jwks_max_age,
            key_publish_delay=publish_delay,
            key_rotation_interval=_rotation_interval(read, publish_delay),
            signing_alg=_signing_alg(read),
            dpop_nonce=read.choice("AUTH_DPOP_NONCE", "off", ("off", "on")) == "on",
            data_dir=Path(read.text("AUTH_DATA_DIR", "var")),
            key_encryption_key=read.raw("AUTH_KEY_ENCRYPTION_KEY"),
            secret_pepper=read.raw("AUTH_SECRET_PEPPER"),
            registration_token=_registration_token(read),
            device_code_ttl=read.integer("AUTH_DEVICE_CODE_TTL", 600, low=10, high=DAY),
            device_poll_interval=read.integer("AUTH_DEVICE_POLL_INTERVAL", 5, low=1, high=300),
            registration=_registration_mode(read),
            client_id_metadata_documents=read.choice(
                "AUTH_CLIENT_ID_METADATA_DOCUMENTS", "off", DOCUMENT_MODES
            ),
            audiences=_audiences(read),
            **service_settings(read, "AUTH"),
        )


def _registration_token(read: Reader) -> str | None:
    token = read.raw("AUTH_REGISTRATION_TOKEN")
    if token is None:
        return None
    if len(token) < MIN_REGISTRATION_TOKEN_LENGTH or not _B64TOKEN.fullmatch(token):
        raise SettingError(
            "AUTH_REGISTRATION_TOKEN",
            f"must be at least {MIN_REGISTRATION_TOKEN_LENGTH} characters of A-Z a-z 0-9"
            " - . _ ~ + / (openssl rand -base64 32)",
        )
    return token


def _registration_mode(read: Reader) -> str | None:
    """AUTH_REGISTRATION, which `token` only with a token to check."""
    if read.raw("AUTH_REGISTRATION") is None:
        return None
    mode = read.choice("AUTH_REGISTRATION", "closed", REGISTRATION_MODES)
    if mode == "token" and read.raw("AUTH_REGISTRATION_TOKEN") is None:
        raise SettingError("AUTH_REGISTRATION", "token needs AUTH_REGISTRATION_TOKEN")
    return mode


def _audiences(read: Reader) -> tuple[str, ...]:
    if read.raw("AUTH_AUDIENCES") is None:
        return ()
    return tuple(check_url("AUTH_AUDIENCES", word) for word in read.words("AUTH_AUDIENCES", ""))


def _publish_delay(read: Reader, jwks_max_age: int) -> int:
    """A new key must be published for as long as caches keep the JWKS before it signs."""
    delay = read.integer("AUTH_KEY_PUBLISH_DELAY", jwks_max_age, low=0, high=DAY)
    if delay < jwks_max_age:
        raise SettingError(
            "AUTH_KEY_PUBLISH_DELAY",
            f"must be at least AUTH_JWKS_MAX_AGE ({jwks_max_age}), so that every cached JWKS"
            " holds a new key before it signs",
        )
    return delay


def _rotation_interval(read: Reader, publish_delay: int) -> int:
    interval = read.integer("AUTH_KEY_ROTATION_INTERVAL", 30 * DAY, low=1, high=365 * DAY)
    if interval <= publish_delay:
        raise SettingError(
            "AUTH_KEY_ROTATION_INTERVAL", "must be longer than AUTH_KEY_PUBLISH_DELAY"
        )
    return interval


def _signing_alg(read: Reader) -> str:
    text = read.text("AUTH_SIGNING_ALG", "RS256").strip()
    # Case-insensitive, as before; the value kept is the registered name (RFC 7518, RFC 8037).
    alg = next((name for name in SIGNING_ALGORITHMS if name.upper() == text.upper()), text)
    if alg not in SIGNING_ALGORITHMS:
        raise SettingError("AUTH_SIGNING_ALG", f"expected one of {', '.join(SIGNING_ALGORITHMS)}")
    return alg
