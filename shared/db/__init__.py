"""One small async database layer over PostgreSQL (asyncpg, its own pool) and SQLite
(aiosqlite): the `Database` interface, its two backends, and versioned migrations.

May import: nothing of the services; only the standard library and the drivers."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from shared.db.base import (
    Conflict,
    Database,
    Executor,
    InvalidValue,
    Row,
    StorageUnavailable,
)
from shared.db.migrations import Migration, migrate

__all__ = [
    "Conflict",
    "Database",
    "Executor",
    "InvalidValue",
    "Migration",
    "Row",
    "StorageUnavailable",
    "check_database_url",
    "migrate",
    "open_database",
    "redact_url",
]

_SCHEMES = ("sqlite", "postgresql", "postgres")


def check_database_url(url: str) -> str:
    """Return the URL if its scheme is one we serve, else raise ValueError saying why."""
    scheme = urlsplit(url).scheme
    if scheme not in _SCHEMES:
        raise ValueError(
            f"unsupported scheme {scheme!r}; use sqlite:///path/to.db or postgresql://user@host/db"
        )
    if scheme == "sqlite" and not sqlite_path(url):
        raise ValueError("sqlite URL has no path; use sqlite:///relative.db or sqlite:////abs.db")
    return url


def sqlite_path(url: str) -> str:
    """`sqlite:///var/a.db` -> `var/a.db` (relative); `sqlite:////abs/a.db` -> `/abs/a.db`."""
    return url.removeprefix("sqlite://")[1:] if url.startswith("sqlite:///") else ""


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


async def open_database(url: str, *, pool_size: int = 10) -> Database:
    """Connect to the database the URL names; StorageUnavailable if it cannot be reached."""
    check_database_url(url)
    if url.startswith("sqlite:"):
        from shared.db.sqlite import SQLiteDatabase

        return await SQLiteDatabase.connect(sqlite_path(url))
    from shared.db.postgres import PostgresDatabase

    return await PostgresDatabase.connect(url, max_size=pool_size)
