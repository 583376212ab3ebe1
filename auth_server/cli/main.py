"""`auth-server`: serve, migrate, and manage clients, users and keys from the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from auth_server.cli.keys import KEY_COMMANDS, add_key_parsers
from auth_server.clients.policy import ClientPolicyError, new_client
from auth_server.settings import OPTIONS, Settings
from auth_server.signin.users import UserPolicyError
from auth_server.signing.keyring import KeyUnavailable
from auth_server.storage import SecretMismatch, Storage, open_storage
from shared.cli import CommandFailed, run_command, serve_options, service_parser
from shared.db import Conflict
from shared.serve import run

Command = Callable[[argparse.Namespace, Settings, Storage], Awaitable[int]]


class CommandError(CommandFailed):
    """A command could not do what it was asked; the message says why."""


def build_parser() -> argparse.ArgumentParser:
    service = service_parser("auth-server", "OAuth 2 authorization server", OPTIONS)
    commands, settings = service.commands, service.settings
    _client_parsers(commands.add_parser("client", help="manage clients"), settings)
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
    create.add_argument("--json", action="store_true")
    sub.add_parser("list", parents=[settings], help="list users").add_argument(
        "--json", action="store_true"
    )
    for action, text in (("disable", "refuse the user's sign-ins"), ("enable", "allow them again")):
        sub.add_parser(action, parents=[settings], help=text).add_argument(
            "username", metavar="USERNAME"
        )


def _client_parsers(parser: argparse.ArgumentParser, settings: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", parents=[settings], help="register a client")
    create.add_argument("--name", required=True)
    create.add_argument("--grant-type", action="append", default=[], dest="grant_types")
    create.add_argument("--scope", default="", help='space-separated, e.g. "read write"')
    create.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris")
    create.add_argument("--audience", action="append", default=[], dest="audiences")
    create.add_argument("--public", action="store_true", help="no secret (native or browser app)")
    create.add_argument("--introspect", action="store_true", help="may introspect any token")
    create.add_argument("--json", action="store_true")
    listing = sub.add_parser("list", parents=[settings], help="list clients")
    listing.add_argument("--json", action="store_true")
    for action, text in (
        ("show", "print one client as JSON"),
        ("delete", "remove a client"),
        ("rotate-secret", "give a confidential client a new secret, printed once"),
    ):
        sub.add_parser(action, parents=[settings], help=text).add_argument(
            "client_id", metavar="ID"
        )


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(build_parser(), argv, lambda flags: Settings.from_env(flags=flags), _run)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        # Imported here: the web application is most of the start-up time, and the other
        # commands (client, user, keys) do not need it.
        from auth_server.app import create_app

        if args.workers > 1:
            asyncio.run(_open_once(settings))
        settings = replace(settings, workers=args.workers)
        return run(create_app, settings, serve_options("auth-server", settings, args.workers))
    try:
        return asyncio.run(_with_storage(settings, args, _COMMANDS[_command_name(args)]))
    except (KeyUnavailable, SecretMismatch) as exc:
        raise CommandFailed(str(exc)) from None


async def _open_once(settings: Settings) -> None:
    """Before several workers start: the secrets, the database and its schema, once, here, so
    that a bad secret or an unreachable database is one line from this process (exit 2 or 1)
    and no two workers race to generate the secrets or migrate."""
    try:
        storage = await open_storage(settings)
    except SecretMismatch as exc:
        raise CommandFailed(str(exc)) from None
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


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2))


async def _migrate(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    print("schema is up to date")
    return 0


async def _client_create(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    try:
        request = new_client(
            name=args.name,
            grant_types=tuple(args.grant_types),
            scope=tuple(args.scope.replace(",", " ").split()),
            redirect_uris=tuple(args.redirect_uris),
            audiences=tuple(args.audiences),
            public=args.public,
            introspect=args.introspect,
            server_scopes=settings.scopes,
        )
    except ClientPolicyError as exc:
        raise CommandError(str(exc)) from None
    client, secret = await storage.clients.create(request)
    shown = client.describe()
    if secret is not None:
        shown = {"client_id": client.client_id, "client_secret": secret, **shown}
    if args.json:
        _print_json(shown)
    else:
        for name, value in shown.items():
            printable = " ".join(value) if isinstance(value, list) else value
            print(f"{name + ':':28} {printable}")
        if secret is not None:
            print("\nThe secret is shown once; it is stored only as a digest.")
    return 0


async def _client_list(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    clients = await storage.clients.list()
    if args.json:
        _print_json([client.describe() for client in clients])
        return 0
    print(f"{'CLIENT_ID':24} {'NAME':24} {'TYPE':13} {'GRANT TYPES':40} SCOPE")
    for client in clients:
        kind = "public" if client.is_public else "confidential"
        grants = ",".join(client.grant_types)
        print(
            f"{client.client_id:24} {client.client_name[:24]:24} {kind:13} {grants:40} "
            + " ".join(client.scope)
        )
    return 0


async def _client_show(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    client = await storage.clients.get(args.client_id)
    if client is None:
        raise CommandError(f"no client {args.client_id!r}")
    _print_json(client.describe())
    return 0


async def _client_delete(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    if not await storage.clients.delete(args.client_id):
        raise CommandError(f"no client {args.client_id!r}")
    print(f"deleted client {args.client_id}")
    return 0


async def _client_rotate_secret(
    args: argparse.Namespace, settings: Settings, storage: Storage
) -> int:
    secret = await storage.clients.rotate_secret(args.client_id)
    if secret is None:
        client = await storage.clients.get(args.client_id)
        problem = "is public and has no secret" if client else "does not exist"
        raise CommandError(f"client {args.client_id!r} {problem}")
    _print_json({"client_id": args.client_id, "client_secret": secret})
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
        user = await storage.users.create(args.username, password)
    except UserPolicyError as exc:
        raise CommandError(str(exc)) from None
    except Conflict:
        raise CommandError(f"username {args.username!r} is taken") from None
    shown = {"user_id": user.user_id, "username": user.username}
    if args.json:
        _print_json(shown)
    else:
        print(f"created user {user.username} (user_id {user.user_id})")
    return 0


async def _user_list(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    users = await storage.users.list()
    if args.json:
        _print_json([user.describe() for user in users])
        return 0
    print(f"{'USER_ID':24} {'USERNAME':32} STATUS")
    for user in users:
        print(f"{user.user_id:24} {user.username:32} {'disabled' if user.disabled else 'active'}")
    return 0


async def _set_disabled(args: argparse.Namespace, storage: Storage, disabled: bool) -> int:
    if not await storage.users.set_disabled(args.username, disabled):
        raise CommandError(f"no user {args.username!r}")
    print(f"{'disabled' if disabled else 'enabled'} user {args.username}")
    return 0


async def _user_disable(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    return await _set_disabled(args, storage, True)


async def _user_enable(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    return await _set_disabled(args, storage, False)


_COMMANDS: dict[str, Command] = {
    "migrate": _migrate,
    "client create": _client_create,
    "client list": _client_list,
    "client show": _client_show,
    "client delete": _client_delete,
    "client rotate-secret": _client_rotate_secret,
    "user create": _user_create,
    "user list": _user_list,
    "user disable": _user_disable,
    "user enable": _user_enable,
    **KEY_COMMANDS,
}


if __name__ == "__main__":
    sys.exit(main())
