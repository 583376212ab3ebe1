"""Resource owners: users with argon2id password hashes, which may be disabled."""

from __future__ import annotations

import asyncio
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shared.db import Database, Executor, Row

MAX_USERNAME_LENGTH = 64
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
MAX_EMAIL_LENGTH = 254  # RFC 5321 §4.5.3.1.3, less the angle brackets
MAX_NAME_LENGTH = 200


class UserPolicyError(ValueError):
    """A username or password we do not accept; the message says why."""


def normalize_username(username: str) -> str:
    """Usernames compare case-insensitively after NFKC normalization."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def check_username(username: str) -> str:
    name = normalize_username(username)
    if not name or len(name) > MAX_USERNAME_LENGTH:
        raise UserPolicyError(f"username must be 1 to {MAX_USERNAME_LENGTH} characters")
    if any(c.isspace() or not c.isprintable() for c in name):
        raise UserPolicyError("username must not contain spaces or control characters")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise UserPolicyError(
            f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )
    return password


def check_email(email: str) -> str:
    """An address with one `@` between non-empty parts, no spaces or control characters."""
    local, at, domain = email.strip().rpartition("@")
    address = email.strip()
    if not at or not local or not domain or len(address) > MAX_EMAIL_LENGTH:
        raise UserPolicyError(f"email must be an address of at most {MAX_EMAIL_LENGTH} characters")
    if any(c.isspace() or not c.isprintable() for c in address):
        raise UserPolicyError("email must not contain spaces or control characters")
    return address


def check_name(name: str) -> str:
    """A person's full name as shown to apps: printable, at most MAX_NAME_LENGTH."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise UserPolicyError(f"name must be 1 to {MAX_NAME_LENGTH} printable characters")
    return name


@dataclass(frozen=True, slots=True)
class Profile:
    """What a user is known by to apps (OpenID Connect Core §5.1): all optional."""

    email: str | None = None
    email_verified: bool = False
    name: str | None = None

    def checked(self) -> Profile:
        return Profile(
            email=None if self.email is None else check_email(self.email),
            email_verified=self.email_verified and self.email is not None,
            name=None if self.name is None else check_name(self.name),
        )


class Passwords:
    """argon2id (argon2-cffi's RFC 9106 low-memory profile: 64 MiB, 3 passes), off the event
    loop, at most two at once: each holds 64 MiB and a core for about 0.1 s."""

    def __init__(self, concurrency: int = 2) -> None:
        self._hasher = PasswordHasher()
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True if the password matches; a missing user costs the same as a wrong password."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        async with self._slots:
            try:
                await asyncio.to_thread(self._hasher.verify, password_hash or self._dummy, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
        return password_hash is not None


@dataclass(frozen=True, slots=True)
class User:
    """A resource owner; `user_id` is the stable `sub` of their tokens."""

    user_id: str
    username: str
    password_hash: str
    disabled: bool
    created_at: int
    profile: Profile = Profile()

    def describe(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "email": self.profile.email,
            "email_verified": self.profile.email_verified,
            "name": self.profile.name,
            "disabled": self.disabled,
            "created_at": self.created_at,
        }

    @classmethod
    def from_row(cls, row: Row) -> User:
        return cls(
            user_id=row["user_id"],
            username=row["username"],
            password_hash=row["password_hash"],
            disabled=bool(row["disabled"]),
            created_at=int(row["created_at"]),
            profile=Profile(row["email"], bool(row["email_verified"]), row["name"]),
        )


_COLUMNS = "user_id, username, password_hash, disabled, created_at, email, email_verified, name"


class UserRepository:
    """Users in the database."""

    def __init__(self, database: Database, passwords: Passwords | None = None) -> None:
        self._db = database
        self._passwords = passwords or Passwords()

    async def create(self, username: str, password: str, profile: Profile = Profile()) -> User:
        """Store a new user; Conflict if the username is taken."""
        profile = profile.checked()
        user = User(
            user_id=secrets.token_urlsafe(16),
            username=check_username(username),
            password_hash=await self._passwords.hash(check_password(password)),
            disabled=False,
            created_at=int(time.time()),
            profile=profile,
        )
        await self._db.execute(
            f"INSERT INTO users ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            user.user_id,
            user.username,
            user.password_hash,
            user.disabled,
            user.created_at,
            profile.email,
            profile.email_verified,
            profile.name,
        )
        return user

    async def set_profile(self, username: str, profile: Profile) -> User | None:
        """Replace a user's email, its verified flag and name; None if there is no such user."""
        profile = profile.checked()
        row = await self._db.fetchrow(
            "UPDATE users SET email = $2, email_verified = $3, name = $4"
            f" WHERE username = $1 RETURNING {_COLUMNS}",
            normalize_username(username),
            profile.email,
            profile.email_verified,
            profile.name,
        )
        return None if row is None else User.from_row(row)

    async def by_username(self, username: str) -> User | None:
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM users WHERE username = $1", normalize_username(username)
        )
        return None if row is None else User.from_row(row)

    async def get(self, user_id: str, executor: Executor | None = None) -> User | None:
        row = await (executor or self._db).fetchrow(
            f"SELECT {_COLUMNS} FROM users WHERE user_id = $1", user_id
        )
        return None if row is None else User.from_row(row)

    async def list(self) -> list[User]:
        rows = await self._db.fetch(f"SELECT {_COLUMNS} FROM users ORDER BY created_at, username")
        return [User.from_row(row) for row in rows]

    async def set_disabled(self, username: str, disabled: bool) -> bool:
        changed = await self._db.execute(
            "UPDATE users SET disabled = $2 WHERE username = $1",
            normalize_username(username),
            disabled,
        )
        return changed == 1

    async def disable(self, tx: Executor, username: str) -> str | None:
        """Disable the user in this transaction; their user_id, None if there is no such user."""
        value = await tx.fetchval(
            "UPDATE users SET disabled = TRUE WHERE username = $1 RETURNING user_id",
            normalize_username(username),
        )
        return None if value is None else str(value)

    async def authenticate(self, username: str, password: str) -> User | None:
        """The enabled user with this password, or None (same cost either way)."""
        if len(password) > MAX_PASSWORD_LENGTH or len(username) > 4 * MAX_USERNAME_LENGTH:
            return None
        user = await self.by_username(username)
        matched = await self._passwords.verify(user.password_hash if user else None, password)
        if user is None or not matched or user.disabled:
            return None
        return user
