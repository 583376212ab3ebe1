"""`auth-server client ...`: register, list, show, delete clients and rotate their secrets."""

from __future__ import annotations

import argparse
import json
from typing import Any

from auth_server.clients.policy import ClientPolicyError, new_client
from auth_server.clients.registry import SECRET_BASIC, SECRET_POST
from auth_server.offboarding import delete_client
from auth_server.settings import Settings
from auth_server.storage import Storage
from shared.audit import audit
from shared.cli import CommandFailed


class ClientError(CommandFailed):
    """A client command could not do what it was asked; the message says why."""


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2))


def add_client_parsers(parser: argparse.ArgumentParser, settings: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", parents=[settings], help="register a client")
    create.add_argument("--name", required=True)
    create.add_argument("--grant-type", action="append", default=[], dest="grant_types")
    create.add_argument("--scope", default="", help='space-separated, e.g. "read write"')
    create.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris")
    create.add_argument("--audience", action="append", default=[], dest="audiences")
    create.add_argument("--public", action="store_true", help="no secret (native or browser app)")
    create.add_argument("--introspect", action="store_true", help="may introspect any token")
    create.add_argument(
        "--post-logout-redirect-uri", action="append", default=[], dest="logout_uris"
    )
    create.add_argument("--token-endpoint-auth-method", choices=(SECRET_BASIC, SECRET_POST))
    keys = create.add_mutually_exclusive_group()
    keys.add_argument("--jwks-uri", help="private_key_jwt: where the client publishes its keys")
    keys.add_argument("--jwks", metavar="FILE", help="private_key_jwt: the client's JWKS file")
    create.add_argument(
        "--dpop-bound", action="store_true", help="must use DPoP-bound tokens (RFC 9449)"
    )
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


def _read_jwks(path: str | None) -> Any:
    """The JSON of a `--jwks FILE` (checked by the client policy)."""
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError) as exc:
        raise ClientError(f"--jwks {path}: {exc}") from None


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
            post_logout_redirect_uris=tuple(args.logout_uris),
            server_scopes=settings.scopes,
            token_endpoint_auth_method=args.token_endpoint_auth_method,
            dpop_bound=args.dpop_bound,
            jwks=_read_jwks(args.jwks),
            jwks_uri=args.jwks_uri,
        )
    except ClientPolicyError as exc:
        raise ClientError(str(exc)) from None
    client, secret = await storage.clients.create(request)
    audit("client_created", "success", client_id=client.client_id)
    shown = client.describe()
    if secret is not None:
        shown = {"client_id": client.client_id, "client_secret": secret, **shown}
    if args.json:
        print_json(shown)
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
        print_json([client.describe() for client in clients])
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
        raise ClientError(f"no client {args.client_id!r}")
    print_json(client.describe())
    return 0


async def _client_delete(args: argparse.Namespace, settings: Settings, storage: Storage) -> int:
    ttl = settings.access_token_ttl
    if not await delete_client(storage.clients, storage.revoked, args.client_id, ttl):
        raise ClientError(f"no client {args.client_id!r}")
    audit("client_deleted", "success", client_id=args.client_id)
    print(f"deleted client {args.client_id}")
    return 0


async def _client_rotate_secret(
    args: argparse.Namespace, settings: Settings, storage: Storage
) -> int:
    secret = await storage.clients.rotate_secret(args.client_id)
    if secret is None:
        client = await storage.clients.get(args.client_id)
        problem = "is public and has no secret" if client else "does not exist"
        raise ClientError(f"client {args.client_id!r} {problem}")
    audit("client_secret_rotated", "success", client_id=args.client_id)
    print_json({"client_id": args.client_id, "client_secret": secret})
    return 0


CLIENT_COMMANDS = {
    "client create": _client_create,
    "client list": _client_list,
    "client show": _client_show,
    "client delete": _client_delete,
    "client rotate-secret": _client_rotate_secret,
}
