"""`auth-server user update`: change what a user is known by to apps (OpenID Connect)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable

from auth_server.settings import Settings
from auth_server.signin.users import Profile, User, UserPolicyError
from auth_server.storage import Storage
from shared.cli import CommandFailed

UserCommand = Callable[[argparse.Namespace, Settings, Storage], Awaitable[int]]


class UserError(CommandFailed):
    """The user command could not do what it was asked; the message says why."""


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    """`--email`, `--email-verified` and `--name`, for `user create` and `user update`."""
    parser.add_argument("--email", help="the user's email address (the `email` claim)")
    parser.add_argument(
        "--email-verified",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="whether the address is known to be theirs (`email_verified`; default no)",
    )
    parser.add_argument("--name", help='the full name, e.g. "Alice Liddell" (the `name` claim)')


def profile_of(args: argparse.Namespace, current: Profile | None = None) -> Profile:
    """The options given, over the current values; an empty string clears a value."""
    current = current or Profile()
    email = current.email if args.email is None else (args.email or None)
    name = current.name if args.name is None else (args.name or None)
    if args.email_verified is not None:
        verified = args.email_verified
    else:  # a new address is not verified until said so
        verified = current.email_verified and email == current.email
    return Profile(email=email, email_verified=verified, name=name)


def add_update_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], settings: argparse.ArgumentParser
) -> None:
    update = sub.add_parser("update", parents=[settings], help="change a user's email or name")
    update.add_argument("username", metavar="USERNAME")
    add_profile_options(update)
    update.add_argument("--json", action="store_true")


async def _user_update(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    user = await storage.users.by_username(args.username)
    if user is None:
        raise UserError(f"no user {args.username!r}")
    try:
        updated = await storage.users.set_profile(user.username, profile_of(args, user.profile))
    except UserPolicyError as exc:
        raise UserError(str(exc)) from None
    if updated is None:
        raise UserError(f"no user {args.username!r}")
    _show(updated, as_json=args.json)
    return 0


def _show(user: User, *, as_json: bool) -> None:
    shown = user.describe()
    if as_json:
        print(json.dumps(shown, indent=2))
        return
    for name, value in shown.items():
        print(f"{name + ':':16} {'' if value is None else value}")


USER_COMMANDS: dict[str, UserCommand] = {"user update": _user_update}
