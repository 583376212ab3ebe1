"""The server's own secrets: the key that encrypts signing keys, and the secret-digest pepper."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from auth_server.settings import Settings
from shared.config import SettingError, check_private
from shared.db import sqlite_path

log = logging.getLogger(__name__)

SECRET_BYTES = 32
_CIPHER_PREFIX = "aesgcm1:"


class DecryptionFailed(Exception):
    """A stored private key does not open under the configured encryption key."""


@dataclass(frozen=True, slots=True)
class ServerSecrets:
    """The two symmetric secrets: never logged, never sent."""

    key_encryption_key: bytes = field(repr=False)
    pepper: bytes = field(repr=False)

    @classmethod
    def load(cls, settings: Settings) -> ServerSecrets:
        """From the settings, else from (or newly into) files in the data directory."""
        return cls(
            key_encryption_key=_secret(
                "AUTH_KEY_ENCRYPTION_KEY", settings.key_encryption_key, settings.data_dir
            ),
            pepper=_secret("AUTH_SECRET_PEPPER", settings.secret_pepper, settings.data_dir),
        )

    def encrypt(self, plaintext: bytes, context: str) -> str:
        """AES-256-GCM with a random nonce, bound to `context` (a key id) as associated data."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.key_encryption_key).encrypt(nonce, plaintext, context.encode())
        return _CIPHER_PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str, context: str) -> bytes:
        """Open what `encrypt` sealed for the same context."""
        if not stored.startswith(_CIPHER_PREFIX):
            raise DecryptionFailed("unknown ciphertext format")
        raw = base64.b64decode(stored.removeprefix(_CIPHER_PREFIX))
        try:
            return AESGCM(self.key_encryption_key).decrypt(raw[:12], raw[12:], context.encode())
        except InvalidTag:
            raise DecryptionFailed("the encryption key does not open this ciphertext") from None

    def digest(self, secret: str) -> str:
        """The keyed digest under which a secret, token or code is stored (hex HMAC-SHA-256)."""
        # surrogatepass: a header or cookie that was not UTF-8 arrives with lone surrogates.
        raw = secret.encode("utf-8", "surrogatepass")
        return hmac.new(self.pepper, raw, hashlib.sha256).hexdigest()

    def matches(self, secret: str, stored_digest: str) -> bool:
        """Constant-time comparison of a presented secret with a stored digest."""
        return hmac.compare_digest(self.digest(secret), stored_digest)


def parse_secret(name: str, value: str) -> bytes:
    """32 bytes given as base64 (standard or URL-safe, padded or not)."""
    text = value.strip()
    try:
        raw = base64.urlsafe_b64decode(
            text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4)
        )
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != SECRET_BYTES:
        raise SettingError(
            name, "must be 32 random bytes, base64-encoded (openssl rand -base64 32)"
        )
    return raw


def _secret(name: str, configured: str | None, data_dir: Path) -> bytes:
    if configured is not None:
        return parse_secret(name, configured)
    path = data_dir / name.lower().removeprefix("auth_").replace("_", "-")
    if not path.exists():
        _create_secret_file(path)
        log.warning(
            "%s is unset: generated one in %s (mode 0600). Set it explicitly in production;"
            " every replica needs the same value.",
            name,
            path,
        )
    try:
        check_private(name, path)
        return parse_secret(name, path.read_text())
    except OSError as exc:
        raise SettingError(name, f"unset, and {path} cannot be read: {exc.strerror}") from None


def key_beside_database(settings: Settings, environ: Mapping[str, str]) -> Path | None:
    """Where the key-encryption key is read from, when that is the SQLite database's own
    directory: a copy of that directory (a backup) would hold the keys and what opens them."""
    if not settings.database_url.startswith("sqlite:"):
        return None
    if settings.key_encryption_key is None:
        location = settings.data_dir / "key-encryption-key"
    elif environ.get("AUTH_KEY_ENCRYPTION_KEY_FILE") and not environ.get("AUTH_KEY_ENCRYPTION_KEY"):
        location = Path(environ["AUTH_KEY_ENCRYPTION_KEY_FILE"])
    else:
        return None
    database = Path(sqlite_path(settings.database_url))
    same = location.parent.resolve() == database.parent.resolve()
    return location if same else None


def warn_if_key_beside_database(
    settings: Settings, environ: Mapping[str, str] = os.environ
) -> None:
    """A start-up warning when `key_beside_database` finds the key there."""
    location = key_beside_database(settings, environ)
    if location is not None:
        log.warning(
            "the key-encryption key %s is in the database's directory: a copy of that directory"
            " would hold the signing keys and the key that opens them; keep it elsewhere"
            " (AUTH_KEY_ENCRYPTION_KEY_FILE) in production",
            location,
        )


def _create_secret_file(path: Path) -> None:
    """Write a new secret file atomically: no reader ever sees it half-written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails if another process got there first; theirs wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    except OSError as exc:
        raise SettingError(
            "AUTH_DATA_DIR", f"cannot create a secret file in {path.parent}: {exc.strerror}"
        ) from None
