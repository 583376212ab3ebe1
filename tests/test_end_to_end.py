"""A standard client library against both running services: Authlib's OAuth2Session does the
authorization-code flow with PKCE S256 for a user made with the CLI, refreshes, and calls the
user's account at the resource server. The person's part is played by a cookie-keeping
`requests` session that reads and submits the real login and consent pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tests.people import (
    PASSWORD,
    REDIRECT_URI,
    approve,
)
from tests.services import Deployment, deployed


@pytest.fixture
def deployment(database_url: str, tmp_path: Path) -> Iterator[Deployment]:
    with deployed(database_url, tmp_path) as running:
        yield running


@pytest.mark.parametrize("public", [False, True], ids=["confidential", "public"])
def test_authlib_signs_in_refreshes_and_reaches_the_account(
    deployment: Deployment, public: bool
) -> None:
    user = deployment.cli_json("user", "create", "alice", "--password-stdin", stdin=PASSWORD)
    registration = ["--name", "Photo app", "--redirect-uri", REDIRECT_URI, "--scope", "read write"]
    client = deployment.cli_json("client", "create", *registration, *(["--public"] * public))
    metadata = requests.get(
        f"{deployment.auth_url}/.well-known/oauth-authorization-server", timeout=5
    ).json()

    session = OAuth2Session(
        client["client_id"],
        client.get("client_secret"),
        scope="read write",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="none" if public else "client_secret_basic",
    )
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier
    )
    callback = approve(url, "alice")
    returned = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert returned["state"] == state
    assert returned["iss"] == metadata["issuer"]  # RFC 9207

    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"read", "write"}

    account = f"{deployment.resource_url}/account"
    stored = session.put(account, data=json.dumps({"theme": "dark"}), timeout=5)
    assert stored.status_code == 200, stored.text
    first_refresh_token = token["refresh_token"]
    refreshed = session.refresh_token(metadata["token_endpoint"])
    assert refreshed["refresh_token"] != first_refresh_token

    mine = session.get(account, timeout=5)
    assert mine.status_code == 200
    assert mine.json()["subject"] == user["user_id"]
    assert mine.json()["client_id"] == client["client_id"]
    assert mine.json()["data"] == {"theme": "dark"}
