"""A client authenticates only by the method it registered (RFC 7591 §2), a Basic header that
does not parse is invalid_request, and every 401 carries a challenge (RFC 9110 §11.6.1)."""

from __future__ import annotations

from tests.auth_server.conftest import AuthClient, RegisterClient, Registered
from tests.auth_server.flows import CC, post_token
from tests.auth_server.lifecycle import post_as


async def test_a_basic_client_sending_its_secret_in_the_form_is_refused(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    status, headers, body = await post_token(auth_client, CC, registered_client, method="post")
    assert (status, body["error"]) == (401, "invalid_client")
    assert "client_secret_basic" in body["error_description"]
    assert headers["WWW-Authenticate"].startswith("Basic ")
    assert (await post_token(auth_client, CC, registered_client))[0] == 200


async def test_a_post_client_sending_basic_is_refused(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    poster = await register_client(token_endpoint_auth_method="client_secret_post")
    status, headers, body = await post_token(auth_client, CC, poster)
    assert (status, body["error"]) == (401, "invalid_client")
    assert "client_secret_post" in body["error_description"]
    assert headers["WWW-Authenticate"].startswith("Basic ")
    assert (await post_token(auth_client, CC, poster, method="post"))[0] == 200


async def test_every_401_carries_a_challenge(
    auth_client: AuthClient, registered_client: Registered, register_client: RegisterClient
) -> None:
    wrong = Registered(registered_client.client_id, "not-the-secret")
    public = await register_client(public=True, redirect_uris=("https://app.example/cb",))
    attempts = [
        (None, "basic"),
        (Registered("no-such-client", "x"), "post"),
        (wrong, "post"),
        (wrong, "basic"),
    ]
    form = {"grant_type": "client_credentials", "token": "t"}
    for endpoint in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        for client, method in attempts:
            status, headers, body = await post_as(
                auth_client, endpoint, form, client, method=method
            )
            assert (status, body["error"]) == (401, "invalid_client"), (endpoint, client)
            assert headers["WWW-Authenticate"].startswith('Basic realm="http://auth.test"')
    status, headers, _ = await post_as(
        auth_client, "introspection_endpoint", form, public, method="none"
    )
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Basic ")
