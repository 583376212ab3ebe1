"""ID tokens are always RS256 (OpenID Discovery 1.0 §3): with AUTH_SIGNING_ALG another
algorithm, an RS256 key of their own is kept, published before it signs, and served in the
same JWKS."""

from __future__ import annotations

import dataclasses
import time

import jwt
import pytest
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENTS, DATABASE, ID_TOKEN_KEYS, SERVER_SECRETS, SETTINGS, USERS
from auth_server.clients.policy import new_client
from auth_server.signing.rotation import KeyMaintenance
from auth_server.signing.schedule import RotationPolicy
from auth_server.signing.store import ID_TOKEN, KeyRepository
from tests.auth_server.conftest import PASSWORD, REDIRECT_URI, AuthClient, Registered
from tests.auth_server.oidc.signin import id_token_claims, jwks, signed_in

pytestmark = pytest.mark.usefixtures("database_kind")


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    """Access tokens signed ES256."""
    return dataclasses.replace(auth_settings, signing_alg="ES256")


async def published(http: AuthClient) -> dict[str, str]:
    return {key.key_id or "": key.algorithm_name for key in (await jwks(http)).keys}


async def test_with_another_signing_alg_id_tokens_are_rs256_with_a_published_key(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    body = await signed_in(auth_client, relying_party)
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "ES256"
    header, _ = await id_token_claims(auth_client, body["id_token"], relying_party)
    assert header["alg"] == "RS256"
    keys = await published(auth_client)
    assert keys[header["kid"]] == "RS256"
    assert sorted(keys.values()) == ["ES256", "RS256"]
    readiness = await auth_client.get("/readyz")
    assert readiness.status == 200


async def test_after_a_switch_from_rs256_the_new_id_token_key_is_published_before_it_signs(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    # First served with RS256: one RS256 key signs access and ID tokens.
    before = await aiohttp_client(
        create_app(dataclasses.replace(auth_settings, signing_alg="RS256"))
    )
    (old_kid,) = await published(before)
    await before.app[USERS].create("alice", PASSWORD)
    new = new_client(name="app", redirect_uris=(REDIRECT_URI,), server_scopes=("read",))
    client, secret = await before.app[CLIENTS].create(new)
    await before.close()

    after = await aiohttp_client(create_app(auth_settings))  # now ES256
    (row,) = await after.app[DATABASE].fetch(
        "SELECT kid, alg, signing_from FROM signing_keys WHERE purpose = 'id_token'"
    )
    assert row["alg"] == "RS256"
    assert row["signing_from"] > time.time() + auth_settings.publish_delay  # not signing yet
    assert row["kid"] in await published(after)
    relying_party = Registered(client.client_id, secret)
    body = await signed_in(after, relying_party)
    header, _ = await id_token_claims(after, body["id_token"], relying_party)
    assert header["kid"] == old_kid  # the RS256 access-token key signs them meanwhile
    await after.close()

    # Back to RS256: the ID-token key stays published and in use, retiring on schedule.
    back = await aiohttp_client(create_app(dataclasses.replace(auth_settings, signing_alg="RS256")))
    assert row["kid"] in await published(back)


async def test_id_token_keys_rotate_on_schedule_publishing_the_successor_before_it_signs(
    auth_client: AuthClient,
) -> None:
    app = auth_client.app
    keys, ring = app[ID_TOKEN_KEYS], app[ID_TOKEN_KEYS].own
    assert ring is not None
    repository = KeyRepository(app[DATABASE], app[SERVER_SECRETS], ID_TOKEN)
    policy = dataclasses.replace(RotationPolicy.for_id_tokens(app[SETTINGS]), lead=30, interval=60)
    signing = keys.signer.kid
    later = int(time.time()) + 40  # the successor is due: interval - lead has passed
    await KeyMaintenance(repository, ring, policy).tick(now=later)
    (successor,) = [key for key in await repository.list() if key.kid != signing]
    assert (successor.alg, successor.signing_from) == ("RS256", later + 30)
    assert successor.kid in await published(auth_client)  # published now ...
    assert keys.signer.kid == signing  # ... signing only from its signing_from
