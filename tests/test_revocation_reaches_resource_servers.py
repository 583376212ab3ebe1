"""A revoked access token is refused by a running resource server that polls the feed,
within the documented bound: its poll interval plus one request."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

from tests.services import Deployment, deployment_env, running

POLL_INTERVAL = 1


def test_a_revoked_access_token_is_refused_within_the_bound(
    database_url: str, tmp_path: Path
) -> None:
    env, auth_url, resource_url = deployment_env(database_url, tmp_path)
    operator = Deployment(auth_url, resource_url, env)
    watcher = operator.cli_json("client", "create", "--name", "accounts API", "--introspect")
    app = operator.cli_json("client", "create", "--name", "app", "--scope", "read")
    env |= {
        "RESOURCE_REVOCATION_POLL_INTERVAL": str(POLL_INTERVAL),
        "RESOURCE_CLIENT_ID": watcher["client_id"],
        "RESOURCE_CLIENT_SECRET": watcher["client_secret"],
    }
    credentials = (app["client_id"], app["client_secret"])
    with (
        running([sys.executable, "-m", "auth_server", "serve"], env, f"{auth_url}/readyz"),
        running([sys.executable, "-m", "resource_server", "serve"], env, f"{resource_url}/readyz"),
    ):
        metadata = requests.get(f"{auth_url}/.well-known/oauth-authorization-server", timeout=5)
        endpoints = metadata.json()
        issued = requests.post(
            endpoints["token_endpoint"],
            data={"grant_type": "client_credentials"},
            auth=credentials,
            timeout=5,
        )
        token = issued.json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        account = f"{resource_url}/account"
        assert requests.get(account, headers=bearer, timeout=5).status_code == 200

        revoked = requests.post(
            endpoints["revocation_endpoint"], data={"token": token}, auth=credentials, timeout=5
        )
        assert revoked.status_code == 200
        revoked_at = time.monotonic()
        while (answer := requests.get(account, headers=bearer, timeout=5)).status_code == 200:
            assert time.monotonic() - revoked_at < POLL_INTERVAL + 2, "not refused in time"
            time.sleep(0.05)
        refused_after = time.monotonic() - revoked_at

    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert refused_after <= POLL_INTERVAL + 1.0
