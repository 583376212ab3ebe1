"""`auth-server keys list | keys rotate [--emergency]` (`--id-token` for the ID-token keys):
signing keys from the command line."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from auth_server.settings import Settings
from auth_server.signing.schedule import RotationPolicy, state_at
from auth_server.signing.store import ID_TOKEN, KeyRepository, Rotation
from auth_server.storage import Storage
from shared.audit import audit

KeyCommand = Callable[[argparse.Namespace, Settings, Storage], Awaitable[int]]


def add_key_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], settings: argparse.ArgumentParser
) -> None:
    """`keys list [--json]` and `keys rotate [--emergency] [--json]`."""
    parser = commands.add_parser("keys", help="list and rotate signing keys")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = sub.add_parser("list", parents=[settings], help="the keys, their states and times")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--id-token", action="store_true", help=_ID_TOKEN_HELP)
    rotate = sub.add_parser(
        "rotate", parents=[settings], help="start a rotation: a new key signs after the delay"
    )
    rotate.add_argument(
        "--emergency",
        action="store_true",
        help="stop using and unpublish the current key at once; a fresh key signs now",
    )
    rotate.add_argument("--json", action="store_true")
    rotate.add_argument("--id-token", action="store_true", help=_ID_TOKEN_HELP)


_ID_TOKEN_HELP = "the RS256 keys kept for ID tokens when AUTH_SIGNING_ALG is another algorithm"


@dataclass(frozen=True, slots=True)
class Chain:
    """One succession of keys: where they are stored, how they rotate, their algorithm."""

    keys: KeyRepository
    policy: RotationPolicy
    alg: str


def _chain(args: argparse.Namespace, settings: Settings, storage: Storage) -> Chain:
    """The keys the command is about: the access-token keys, or (`--id-token`) the RS256
    keys of ID tokens, with their repository, rotation policy and algorithm."""
    if args.id_token:
        keys = KeyRepository(storage.database, storage.server_secrets, ID_TOKEN)
        return Chain(keys, RotationPolicy.for_id_tokens(settings), "RS256")
    return Chain(storage.keys, RotationPolicy.from_settings(settings), settings.signing_alg)


_TIME_COLUMNS = ("created_at", "signing_from", "retire_at", "remove_at")
_TIME_HEADINGS = ("CREATED", "SIGNING FROM", "RETIRE AT", "REMOVE AT")


def _when(epoch: int | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def keys_list(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    keys = await _chain(args, settings, storage).keys.list()
    now = int(time.time())
    shown = [key.describe(state_at(key, keys, now)) for key in keys]
    if args.json:
        print(json.dumps(shown, indent=2))
        return 0
    print(f"{'KID':44} {'STATE':8} {'ALG':6} " + " ".join(f"{h:20}" for h in _TIME_HEADINGS))
    for key in shown:
        times = " ".join(f"{_when(key[name]):20}" for name in _TIME_COLUMNS)
        print(f"{key['kid']:44} {key['state']:8} {key['alg']:6} {times}")
    return 0


async def keys_rotate(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    chain = _chain(args, settings, storage)
    if args.emergency:
        rotation = await chain.keys.replace_compromised(chain.alg)
    else:
        rotation = await chain.keys.rotate(chain.policy)
    event = "key_replaced_emergency" if args.emergency else "key_rotated"
    audit(event, "success" if rotation.started else "unchanged", kid=rotation.key.kid)
    keys = await chain.keys.list()
    now = int(time.time())
    if args.json:
        described = rotation.key.describe(state_at(rotation.key, keys, now))
        unpublished = list(rotation.unpublished)
        shown = {"key": described, "started": rotation.started, "unpublished": unpublished}
        print(json.dumps(shown, indent=2))
        return 0
    print(_summary(rotation))
    return 0


def _summary(rotation: Rotation) -> str:
    key, start = rotation.key, _when(rotation.key.signing_from)
    if rotation.unpublished:
        gone = ", ".join(rotation.unpublished)
        return f"unpublished {gone}; key {key.kid} ({key.alg}) signs from now on"
    if not rotation.started:
        return f"a rotation is already under way: key {key.kid} signs from {start}"
    return f"key {key.kid} ({key.alg}) is published now and signs from {start}"


KEY_COMMANDS: dict[str, KeyCommand] = {"keys list": keys_list, "keys rotate": keys_rotate}
