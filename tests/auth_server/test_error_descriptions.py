"""What an error echoes of a request is never a control character (RFC 6749 §5.2 limits
error_description to printable ASCII): no terminal escapes, no forged log lines."""

from __future__ import annotations

import re

import pytest

from shared.errors import InvalidRequest
from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import AuthClient, Registered
from tests.auth_server.flows import authorize_query, post_token

# Storage plays no part: one database is enough.
ONE_DATABASE = pytest.mark.parametrize("database_kind", ["sqlite"])
RFC_6749_DESCRIPTION = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")
HOSTILE = "https://api.example/\x1b]8;;https://evil.example\x07\r\nX-Injected: 1\u202e"


@ONE_DATABASE
async def test_a_resource_with_control_characters_is_refused_without_echo(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    form = {"grant_type": "client_credentials", "resource": HOSTILE}
    status, _, body = await post_token(auth_client, form, registered_client)
    assert (status, body["error"]) == (400, "invalid_target")
    assert RFC_6749_DESCRIPTION.fullmatch(body["error_description"]), body


@ONE_DATABASE
async def test_errors_redirected_to_the_client_carry_no_control_characters(
    auth_client: AuthClient, web_client: Registered
) -> None:
    _, challenge = pkce_pair()
    query = authorize_query(web_client, challenge, resource=HOSTILE)
    page = await Browser(auth_client).open("/authorize", **query)
    params = redirect_params(page.location or "")
    assert params["error"] == "invalid_target"
    assert RFC_6749_DESCRIPTION.fullmatch(params["error_description"]), params


def test_every_description_is_made_printable() -> None:
    description = InvalidRequest('no "such" value: \x00\x1b[2J\u2028é\\').body()
    assert description["error_description"] == "no 'such' value: ??[2J???"
