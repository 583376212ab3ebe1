"""The command line every service shares: `serve` and `migrate`, each setting as a flag, and
one `error: ...` line on stderr instead of a traceback: exit status 2 for a bad setting or any
other failure to start, 1 for a command that could not do what it was asked."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol, TypeVar

from shared.config import Option, SettingError, add_flags
from shared.cpus import usable_cpus
from shared.failures import Listening, describe
from shared.logging import configure_logging
from shared.serve import ServeOptions, fail

MAX_WORKERS = 64
DISTRIBUTION = "oauth-token-service"


class ServiceSettings(Listening, Protocol):
    """What every service's settings have: where it listens, its database, its logs."""

    @property
    def log_level(self) -> str: ...
    @property
    def log_format(self) -> str: ...


S = TypeVar("S", bound=ServiceSettings)


class CommandFailed(Exception):
    """A command could not do what it was asked; the message says why (exit status 1)."""


@dataclass(frozen=True, slots=True)
class ServiceParser:
    """A service's parser with `serve` and `migrate`; `settings` is the parent parser that
    gives any further subcommand the setting flags."""

    parser: argparse.ArgumentParser
    commands: argparse._SubParsersAction[argparse.ArgumentParser]
    settings: argparse.ArgumentParser


def service_parser(prog: str, description: str, options: tuple[Option, ...]) -> ServiceParser:
    """The parser every service starts from."""
    settings = argparse.ArgumentParser(add_help=False)
    add_flags(settings, options)
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--version", action="version", version=f"{prog} {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_cmd = commands.add_parser("serve", parents=[settings], help="run the server")
    serve_cmd.add_argument(
        "--workers",
        type=int,
        default=min(usable_cpus(), MAX_WORKERS),
        help="processes sharing the port (default: the CPUs this process may use, %(default)s)",
    )
    commands.add_parser("migrate", parents=[settings], help="create or upgrade the schema")
    return ServiceParser(parser, commands, settings)


def _version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def run_command(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    read_settings: Callable[[Mapping[str, str | None]], S],
    dispatch: Callable[[argparse.Namespace, S], int],
) -> int:
    """Parse, read the settings, configure logging and run the command; every failure a
    service expects becomes one `error: ...` line."""
    args = parser.parse_args(argv)
    try:
        settings = read_settings(vars(args))
    except SettingError as exc:
        return fail(str(exc), 2)
    if args.command == "serve" and not 1 <= args.workers <= MAX_WORKERS:
        return fail(f"--workers: must be between 1 and {MAX_WORKERS}", 2)
    level = settings.log_level if args.command == "serve" else "warning"
    configure_logging(level, settings.log_format)
    try:
        return dispatch(args, settings)
    except CommandFailed as exc:
        return fail(str(exc))
    except Exception as exc:  # a start-up failure: one line, status 2, no traceback
        return fail(describe(exc, settings), 2)


def migration_report(applied: list[int]) -> str:
    """What `migrate` did, in one line."""
    return f"applied migrations {applied}" if applied else "schema is up to date"


def serve_options(name: str, settings: ServiceSettings, workers: int) -> ServeOptions:
    """How `serve` runs this service."""
    return ServeOptions(
        name=name,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
        log_format=settings.log_format,
    )
