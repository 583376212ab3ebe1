"""`resource-server`: serve, or migrate the schema."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from resource_server.app import create_app
from resource_server.schema import COMPONENT, MIGRATIONS
from resource_server.settings import OPTIONS, Settings
from shared.cli import migration_report, run_command, serve_options, service_parser
from shared.db import migrate, open_database
from shared.serve import run


def build_parser() -> argparse.ArgumentParser:
    description = "OAuth 2 resource server: the protected accounts"
    return service_parser("resource-server", description, OPTIONS).parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(build_parser(), argv, lambda flags: Settings.from_env(flags=flags), _run)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        return 0
    if args.workers > 1:
        # The database and its schema once, here, before the workers: an unreachable database
        # is then one line from this process, and no two workers race to migrate.
        asyncio.run(_migrate(settings, quiet=True))
    return run(create_app, settings, serve_options("resource-server", settings, args.workers))


async def _migrate(settings: Settings, *, quiet: bool = False) -> None:
    database = await open_database(settings.database_url)
    try:
        applied = await migrate(database, COMPONENT, MIGRATIONS)
    finally:
        await database.close()
    if not quiet:
        print(migration_report(applied))


if __name__ == "__main__":
    sys.exit(main())
