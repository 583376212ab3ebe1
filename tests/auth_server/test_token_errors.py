"""Every way a token request can be wrong, each answered in RFC 6749 §5.2 form."""

from __future__ import annotations

import base64

import pytest
from aiohttp import encode_basic_auth

from auth_server.appkeys import CLIENTS
from tests.auth_server.conftest import AuthClient, RegisterClient, Registered
from tests.auth_server.flows import post_token, token_endpoint

pytestmark = pytest.mark.usefixtures("database_kind")

CC = {"grant_type": "client_credentials"}


async def test_get_is_405_with_a_json_invalid_request(auth_client: AuthClient) -> None:
    response = await auth_client.get(await token_endpoint(auth_client))
    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    assert (await response.json())["error"] == "invalid_request"


async def test_json_body_is_invalid_request(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    response = await auth_client.post(
        await token_endpoint(auth_client),
        json={"grant_type": "client_credentials"},
        headers={
            "Authorization": encode_basic_auth(
                registered_client.client_id, registered_client.client_secret or ""
            )
        },
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": ""}, "invalid_request"),
        ({"grant_type": "password", "username": "u", "password": "p"}, "unsupported_grant_type"),
        ({"grant_type": "implicit"}, "unsupported_grant_type"),
        ({"grant_type": "urn:example:unknown"}, "unsupported_grant_type"),
    ],
)
async def test_grant_type_missing_or_unsupported(
    auth_client: AuthClient, registered_client: Registered, form: dict[str, str], error: str
) -> None:
    status, headers, body = await post_token(auth_client, form, registered_client)
    assert (status, body["error"]) == (400, error)
    assert headers["Cache-Control"] == "no-store"
    assert body["error_description"]


async def test_repeated_parameter_is_invalid_request(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    form = [("grant_type", "client_credentials"), ("scope", "read"), ("scope", "write")]
    status, _, body = await post_token(auth_client, form, registered_client)
    assert (status, body["error"]) == (400, "invalid_request")


async def test_no_client_authentication_is_invalid_client(auth_client: AuthClient) -> None:
    status, headers, body = await post_token(auth_client, CC)
    assert (status, body["error"]) == (401, "invalid_client")
    assert headers["WWW-Authenticate"].startswith("Basic ")  # RFC 9110 §11.6.1: every 401


async def test_wrong_secret_with_basic_gets_a_basic_challenge(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    wrong = Registered(registered_client.client_id, "not-the-secret")
    status, headers, body = await post_token(auth_client, CC, wrong)
    assert (status, body["error"]) == (401, "invalid_client")
    assert headers["WWW-Authenticate"].startswith('Basic realm="http://auth.test"')


async def test_wrong_secret_with_post_is_401_with_a_challenge(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    wrong = Registered(registered_client.client_id, "not-the-secret")
    status, headers, body = await post_token(auth_client, CC, wrong, method="post")
    assert (status, body["error"]) == (401, "invalid_client")
    assert headers["WWW-Authenticate"].startswith("Basic ")


async def test_unknown_client_is_invalid_client(auth_client: AuthClient) -> None:
    status, _, body = await post_token(auth_client, CC, Registered("nobody", "nothing"))
    assert (status, body["error"]) == (401, "invalid_client")


async def test_id_without_secret_for_confidential_client_is_invalid_client(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    form = {**CC, "client_id": registered_client.client_id}
    status, _, body = await post_token(auth_client, form)
    assert (status, body["error"]) == (401, "invalid_client")


async def test_two_authentication_methods_is_invalid_request(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    form = {**CC, "client_secret": registered_client.client_secret or ""}
    status, _, body = await post_token(auth_client, form, registered_client)
    assert (status, body["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic",
    ],
)
async def test_malformed_basic_header_is_invalid_request(
    auth_client: AuthClient, header: str
) -> None:
    response = await auth_client.post(
        await token_endpoint(auth_client), data=CC, headers={"Authorization": header}
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


async def test_another_scheme_is_invalid_client_with_a_basic_challenge(
    auth_client: AuthClient,
) -> None:
    headers = {"Authorization": "Bearer some-token"}
    response = await auth_client.post(await token_endpoint(auth_client), data=CC, headers=headers)
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


async def test_client_not_registered_for_the_grant_is_unauthorized_client(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(
        grant_types=("authorization_code",), redirect_uris=("https://app.example/cb",)
    )
    status, _, body = await post_token(auth_client, CC, client)
    assert (status, body["error"]) == (400, "unauthorized_client")


async def test_deleted_client_stops_at_once(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    assert (await post_token(auth_client, CC, registered_client))[0] == 200
    assert await auth_client.app[CLIENTS].delete(registered_client.client_id)
    status, _, body = await post_token(auth_client, CC, registered_client)
    assert (status, body["error"]) == (401, "invalid_client")


async def test_rotated_secret_replaces_the_old_one_at_once(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    new_secret = await auth_client.app[CLIENTS].rotate_secret(registered_client.client_id)
    assert new_secret is not None
    status, _, _ = await post_token(auth_client, CC, registered_client)
    assert status == 401
    rotated = Registered(registered_client.client_id, new_secret)
    assert (await post_token(auth_client, CC, rotated))[0] == 200


async def test_oversized_body_is_413_json(auth_client: AuthClient) -> None:
    response = await auth_client.post(
        await token_endpoint(auth_client),
        data=b"grant_type=client_credentials&scope=" + b"a" * 200_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 413
    assert (await response.json())["error"] == "invalid_request"


async def test_body_that_is_not_utf8_is_invalid_request(auth_client: AuthClient) -> None:
    response = await auth_client.post(
        await token_endpoint(auth_client),
        data=b"grant_type=client_credentials&scope=%ff%fe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status in (400, 401)
    assert (await response.json())["error"] in ("invalid_request", "invalid_client")


async def test_unknown_path_is_json_404(auth_client: AuthClient) -> None:
    response = await auth_client.get("/nope")
    assert response.status == 404
    assert response.content_type == "application/json"
