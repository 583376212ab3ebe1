"""`auth-server`: serve, migrate, and manage clients, users and keys from the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from auth_server.cli.clients import CLIENT_COMMANDS, add_client_parsers, print_json
from auth_server.cli.keys import KEY_COMMANDS, add_key_parsers
from auth_server.cli.users import USER_COMMANDS, add_profile_options, profile_of
from auth_server.cli.users import add_update_parser as add_user_update_parser
from auth_server.offboarding import disable_user
from auth_server.settings import OPTIONS, Settings
from auth_server.signin.users import UserPolicyError
from auth_server.signing.server_secrets import warn_if_key_beside_database
from auth_server.storage import Storage, open_storage
from shared.audit import audit
from shared.cli import (
    CommandFailed,
    migration_report,
    run_command,
    serve_options,
    service_parser,
)
from shared.db import Conflict
from shared.serve import run

Command = Callable[[argparse.Namespace, Settings, Storage], Awaitable[int]]


class CommandError(CommandFailed):
    """A command could not do what it was asked; the message says why."""


def build_parser() -> argparse.ArgumentParser:
    service = service_parser("auth-server", "OAuth 2 authorization server", OPTIONS)
    commands, settings = service.commands, service.settings
    add_client_parsers(commands.add_parser("client", help="manage clients"), settings)
    _user_parsers(commands.add_parser("user", help="manage users (resource owners)"), settings)
    add_key_parsers(commands, settings)
    return service.parser


def _user_parsers(parser: argparse.ArgumentParser, settings: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", parents=[settings], help="add a user")
    create.add_argument("username", metavar="USERNAME")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add_profile_options(create)
    create.add_argument("--json", action="store_true")
    add_user_update_parser(sub, settings)
    sub.add_parser("list", parents=[settings], help="list users").add_argument(
        "--json", action="store_true"
    )
    for action, text in (("disable", "refuse the user's sign-ins"), ("enable", "allow them again")):
        sub.add_parser(action, parents=[settings], help=text).add_argument(
            "username", metavar="USERNAME"
        )


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(build_parser(), argv, lambda flags: Settings.from_env(flags=flags), _run)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        # Imported here: the web application is most of the start-up time, and the other
        # commands (client, user, keys) do not need it.
        from auth_server.app import create_app

        warn_if_key_beside_database(settings)
        if args.workers > 1:
            asyncio.run(_open_once(settings))
        settings = replace(settings, workers=args.workers)
        return run(create_app, settings, serve_options("auth-server", settings, args.workers))
    # A key-encryption key or pepper that does not fit the database stops it at start-up.
    return asyncio.run(_with_storage(settings, args, _COMMANDS[_command_name(args)]))


async def _open_once(settings: Settings) -> None:
    """Before several workers start: the secrets, the database and its schema, once, here, so
    that a bad secret or an unreachable database is one line from this process (exit 2 or 1)
    and no two workers race to generate the secrets or migrate."""
    storage = await open_storage(settings)
    await storage.database.close()


def _command_name(args: argparse.Namespace) -> str:
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else args.command


async def _with_storage(settings: Settings, args: argparse.Namespace, command: Command) -> int:
    storage = await open_storage(settings)
    try:
        return await command(args, settings, storage)
    finally:
        await storage.database.close()


async def _migrate(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    print(migration_report(list(storage.migrated)))
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for a password on: use --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        raise CommandError("the passwords differ")
    return password


async def _user_create(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    password = _read_password(args.password_stdin)
    try:
        user = await storage.users.create(args.username, password, profile_of(args))
    except UserPolicyError as exc:
        raise CommandError(str(exc)) from None
    except Conflict:
        raise CommandError(f"username {args.username!r} is taken") from None
    audit("user_created", "success", user_id=user.user_id)
    shown = {"user_id": user.user_id, "username": user.username}
    if args.json:
        print_json(shown)
    else:
        print(f"created user {user.username} (user_id {user.user_id})")
    return 0


async def _user_list(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    users = await storage.users.list()
    if args.json:
        print_json([user.describe() for user in users])
        return 0
    print(f"{'USER_ID':24} {'USERNAME':32} STATUS")
    for user in users:
        print(f"{user.user_id:24} {user.username:32} {'disabled' if user.disabled else 'active'}")
    return 0


async def _set_disabled(args: argparse.Namespace, storage: Storage, disabled: bool) -> int:
    if not await storage.users.set_disabled(args.username, disabled):
        raise CommandError(f"no user {args.username!r}")
    user = await storage.users.by_username(args.username)
    event = "user_disabled" if disabled else "user_enabled"
    audit(event, "success", user_id=user.user_id if user else None)
    print(f"{'disabled' if disabled else 'enabled'} user {args.username}")
    return 0


async def _user_disable(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    ttl = settings.access_token_ttl
    if not await disable_user(
        storage.users, storage.refresh_tokens, storage.revoked, args.username, ttl
    ):
        raise CommandError(f"no user {args.username!r}")
    print(f"disabled user {args.username}; their tokens are revoked")
    return 0


async def _user_enable(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    return await _set_disabled(args, storage, False)


_COMMANDS: dict[str, Command] = {
    "migrate": _migrate,
    "user create": _user_create,
    "user list": _user_list,
    "user disable": _user_disable,
    "user enable": _user_enable,
    **CLIENT_COMMANDS,
    **KEY_COMMANDS,
    **USER_COMMANDS,
}


if __name__ == "__main__":
    sys.exit(main())
