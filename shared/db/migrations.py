"""Versioned schema migrations, applied once, serialized across replicas."""

from __future__ import annotations

import time
from dataclasses import dataclass

from shared.db.base import Database, Executor

# One lock name for every component, so that two services sharing a database never race
# on creating the bookkeeping table.
_LOCK = "schema-migrations"

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (component, version)
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: statements common to both dialects, or one list per dialect."""

    version: int
    name: str
    statements: tuple[str, ...] = ()
    postgresql: tuple[str, ...] | None = None
    sqlite: tuple[str, ...] | None = None

    def for_dialect(self, dialect: str) -> tuple[str, ...]:
        """The statements to run on this dialect."""
        specific = self.postgresql if dialect == "postgresql" else self.sqlite
        return specific if specific is not None else self.statements


async def migrate(
    database: Database, component: str, migrations: tuple[Migration, ...]
) -> list[int]:
    """Apply the migrations not yet applied, in one transaction; return their versions."""
    async with database.transaction(lock=_LOCK) as tx:
        await tx.execute(_BOOKKEEPING)
        applied = await _applied_versions(tx, component)
        pending = [
            m for m in sorted(migrations, key=lambda m: m.version) if m.version not in applied
        ]
        for migration in pending:
            for statement in migration.for_dialect(database.dialect):
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (component, version, name, applied_at)"
                " VALUES ($1, $2, $3, $4)",
                component,
                migration.version,
                migration.name,
                int(time.time()),
            )
    return [m.version for m in pending]


async def _applied_versions(tx: Executor, component: str) -> set[int]:
    rows = await tx.fetch("SELECT version FROM schema_migrations WHERE component = $1", component)
    return {int(row["version"]) for row in rows}
