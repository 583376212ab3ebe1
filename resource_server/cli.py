"""`resource-server`: serve, or migrate the schema."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from resource_server.app import create_app
from resource_server.schema import COMPONENT, MIGRATIONS
from resource_server.settings import OPTIONS, Settings
from shared.config import SettingError, add_flags
from shared.db import StorageUnavailable, migrate, open_database, redact_url
from shared.logging import configure_logging
from shared.serve import ServeOptions, fail, run

MAX_WORKERS = 64


def build_parser() -> argparse.ArgumentParser:
    settings = argparse.ArgumentParser(add_help=False)
    add_flags(settings, OPTIONS)
    parser = argparse.ArgumentParser(
        prog="resource-server", description="OAuth 2 resource server: the protected accounts"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_cmd = commands.add_parser("serve", parents=[settings], help="run the server")
    serve_cmd.add_argument(
        "--workers", type=int, default=1, help="processes sharing the port (default 1)"
    )
    commands.add_parser("migrate", parents=[settings], help="create or upgrade the schema")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(flags=vars(args))
    except SettingError as exc:
        return fail(str(exc), 2)
    if args.command == "serve" and not 1 <= args.workers <= MAX_WORKERS:
        return fail(f"--workers: must be between 1 and {MAX_WORKERS}", 2)
    level = settings.log_level if args.command == "serve" else "warning"
    configure_logging(level, settings.log_format)
    try:
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            return 0
        return run(create_app, settings, _serve_options(settings, args.workers))
    except StorageUnavailable as exc:
        return fail(f"cannot use the database {redact_url(settings.database_url)}: {exc}")
    except OSError as exc:
        return fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")


def _serve_options(settings: Settings, workers: int) -> ServeOptions:
    return ServeOptions(
        name="resource-server",
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
        log_format=settings.log_format,
    )


async def _migrate(settings: Settings) -> None:
    database = await open_database(settings.database_url)
    try:
        applied = await migrate(database, COMPONENT, MIGRATIONS)
    finally:
        await database.close()
    print(f"applied migrations {applied}" if applied else "schema is up to date")


if __name__ == "__main__":
    sys.exit(main())
