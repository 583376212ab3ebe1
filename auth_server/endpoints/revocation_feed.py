"""The revocation feed (our extension): revoked access tokens, for resource servers to poll.

`GET /revocations?after=CURSOR` with HTTP Basic client authentication by a client registered
with `--introspect` answers `{"revoked": [{"jti", "exp"}, ...], "cursor", "more"}`: up to
1000 entries in revocation order, each listed until its token expires (plus a small margin).
An entry without `jti` voids every token of a deleted client (`{"client_id", "issued_before",
"exp"}`) or of a disabled user (`{"sub", "issued_before", "exp"}`) whose `iat` is at most
`issued_before`; readers that know only `jti` entries skip them;
the next request passes the returned cursor, which never moves backwards."""

from __future__ import annotations

import re

from aiohttp import web

from auth_server.appkeys import REVOKED
from auth_server.endpoints.client_auth import authenticate_basic
from shared.errors import InvalidRequest, UnauthorizedClient
from shared.http import NO_STORE, json_response

_CURSOR = re.compile(r"v1\.([0-9]{1,18})")


class NotAnIntrospector(UnauthorizedClient):
    """An authenticated client without `--introspect`: 403, not a credentials problem."""

    status = 403


def parse_cursor(value: str | None) -> int:
    """The position a cursor stands for; absent means before the first entry."""
    if value is None:
        return 0
    match = _CURSOR.fullmatch(value)
    if match is None:
        raise InvalidRequest("'after' is not a cursor this feed handed out")
    return int(match.group(1))


def format_cursor(position: int) -> str:
    """Opaque to readers; versioned so that its form can change."""
    return f"v1.{position}"


async def revocations(request: web.Request) -> web.Response:
    """GET /revocations"""
    client = await authenticate_basic(request)
    if not client.introspect:
        raise NotAnIntrospector("only a client registered with --introspect may read this feed")
    after = request.query.getall("after", [])
    if len(after) > 1:
        raise InvalidRequest("parameter 'after' is repeated")
    page = await request.app[REVOKED].page(parse_cursor((after[0] or None) if after else None))
    body = {
        "revoked": [entry.feed_entry() for entry in page.revoked],
        "cursor": format_cursor(page.position),
        "more": page.more,
    }
    return json_response(body, headers=NO_STORE)
