"""The device authorization endpoint (RFC 8628 §3.1, §3.2) and the user code's form."""

from __future__ import annotations

import re

import pytest

from auth_server.appkeys import DATABASE
from auth_server.device.codes import USER_CODE_ALPHABET, new_user_code, normalize_user_code
from tests.auth_server.conftest import ISSUER, AuthClient, RegisterClient, Registered
from tests.auth_server.device.flow import DEVICE_CODE, request_codes, start
from tests.auth_server.flows import endpoint

USER_CODE = re.compile(f"[{USER_CODE_ALPHABET}]{{4}}-[{USER_CODE_ALPHABET}]{{4}}")


async def test_metadata_names_the_endpoint_and_the_grant(auth_client: AuthClient) -> None:
    metadata = await (await auth_client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["device_authorization_endpoint"] == f"{ISSUER}/device_authorization"
    assert DEVICE_CODE in metadata["grant_types_supported"]


async def test_a_public_client_gets_a_device_code_and_a_user_code(
    auth_client: AuthClient, tv_client: Registered
) -> None:
    status, headers, body = await request_codes(auth_client, tv_client, scope="read")
    assert status == 200, body
    assert headers["Cache-Control"] == "no-store"
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert len(body["device_code"]) >= 43
    assert USER_CODE.fullmatch(body["user_code"])
    assert body["verification_uri"] == f"{ISSUER}/device"
    assert body["verification_uri_complete"] == f"{ISSUER}/device?user_code={body['user_code']}"
    assert (body["expires_in"], body["interval"]) == (600, 1)


async def test_a_confidential_client_authenticates_as_at_the_token_endpoint(
    auth_client: AuthClient, confidential_device_client: Registered
) -> None:
    assert (await request_codes(auth_client, confidential_device_client))[0] == 200
    no_secret = Registered(confidential_device_client.client_id, None)
    status, _, body = await request_codes(auth_client, no_secret)
    assert (status, body["error"]) == (401, "invalid_client")
    wrong = Registered(confidential_device_client.client_id, "wrong")
    status, headers, body = await request_codes(auth_client, wrong)
    assert (status, body["error"]) == (401, "invalid_client")
    assert headers["WWW-Authenticate"].startswith("Basic realm=")


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"scope": "admin"}, "invalid_scope"),
        ({"resource": "https://elsewhere.example/"}, "invalid_target"),
    ],
)
async def test_bad_requests_are_oauth_errors_and_store_nothing(
    auth_client: AuthClient, tv_client: Registered, extra: dict[str, str], error: str
) -> None:
    status, _, body = await request_codes(auth_client, tv_client, **extra)
    assert (status, body["error"]) == (400, error)
    assert int(await auth_client.app[DATABASE].fetchval("SELECT COUNT(*) FROM device_codes")) == 0


async def test_a_client_without_the_grant_is_unauthorized(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(scope=("read",))  # client_credentials only
    status, _, body = await request_codes(auth_client, client)
    assert (status, body["error"]) == (400, "unauthorized_client")


async def test_only_post_and_only_forms(auth_client: AuthClient, tv_client: Registered) -> None:
    path = await endpoint(auth_client, "device_authorization_endpoint")
    response = await auth_client.get(path)
    assert response.status == 405
    assert (await response.json())["error"] == "invalid_request"
    response = await auth_client.post(path, json={"client_id": tv_client.client_id})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


async def test_codes_are_stored_only_as_digests(
    auth_client: AuthClient, tv_client: Registered
) -> None:
    codes = await start(auth_client, tv_client)
    (row,) = await auth_client.app[DATABASE].fetch("SELECT * FROM device_codes")
    stored = " ".join(str(value) for value in row.values())
    for secret in (codes["device_code"], codes["user_code"], codes["user_code"].replace("-", "")):
        assert secret not in stored


def test_user_codes_are_eight_consonants_typed_any_way() -> None:
    codes = {new_user_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and set(code) <= set(USER_CODE_ALPHABET) for code in codes)
    assert normalize_user_code("bcdf-ghjk") == "BCDFGHJK"
    assert normalize_user_code(" BCDF GHJK ") == "BCDFGHJK"
    assert normalize_user_code("bcdfghjk") == "BCDFGHJK"
    for wrong in ("BCDF-GHJ", "ABCD-EFGH", "BCDF-GHJK-L", "", "B" * 100, "BCDF\x00GHJK"):
        assert normalize_user_code(wrong) is None


async def test_a_user_code_already_taken_is_drawn_again(
    auth_client: AuthClient, tv_client: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = iter(["BCDFGHJK", "BCDFGHJK", "BCDFGHJL"])
    monkeypatch.setattr("auth_server.device.codes.new_user_code", lambda: next(draws))
    assert (await start(auth_client, tv_client))["user_code"] == "BCDF-GHJK"
    assert (await start(auth_client, tv_client))["user_code"] == "BCDF-GHJL"
