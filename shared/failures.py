"""Why a service could not start, in one line: the setting, the database or the address named,
never a traceback (and never a database password)."""

from __future__ import annotations

import sqlite3
from typing import Protocol

import asyncpg

from shared.config import SettingError
from shared.db import StorageUnavailable, redact_url


class Listening(Protocol):
    """What the message needs of a service's settings."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def database_url(self) -> str: ...


DATABASE_ERRORS = (StorageUnavailable, asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error)


def describe(exc: BaseException, settings: Listening) -> str:
    """The one line that says what stopped the start: setting, database, address or file."""
    if isinstance(exc, SettingError):
        return str(exc)
    if isinstance(exc, DATABASE_ERRORS):
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot use the database {redact_url(settings.database_url)}: {detail}"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        if exc.filename is not None:
            return f"{exc.filename}: {reason}"
        return f"cannot listen on {settings.host}:{settings.port}: {reason}"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
