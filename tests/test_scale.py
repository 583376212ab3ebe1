"""Two auth-server and two resource-server processes on one PostgreSQL database: what one
replica does, the others see; tokens from either auth replica validate at either resource
replica."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from tests.services import (
    deployment_env,
    free_port,
    register_through,
    replica_env,
    running,
)


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_replicas_share_clients_and_keys(database_url: str, tmp_path: Path) -> None:
    env, _, audience = deployment_env(database_url, tmp_path)
    auth_ports, resource_ports = [free_port(), free_port()], [free_port(), free_port()]
    issuer = f"http://127.0.0.1:{auth_ports[0]}"
    auth_urls = [f"http://127.0.0.1:{port}" for port in auth_ports]
    resource_urls = [f"http://127.0.0.1:{port}" for port in resource_ports]
    with ExitStack() as stack:
        for port in auth_ports:
            # One issuer name for the whole deployment, as behind a load balancer.
            replica = replica_env(env, AUTH_PORT=port) | {"AUTH_ISSUER": issuer}
            command = [sys.executable, "-m", "auth_server", "serve"]
            stack.enter_context(running(command, replica, f"http://127.0.0.1:{port}/readyz"))
        for port in resource_ports:
            replica = replica_env(env, RESOURCE_PORT=port) | {
                "RESOURCE_ISSUER": issuer,
                "RESOURCE_IDENTIFIER": audience,
            }
            command = [sys.executable, "-m", "resource_server", "serve"]
            stack.enter_context(running(command, replica, f"http://127.0.0.1:{port}/readyz"))

        jwks = [requests.get(f"{url}/jwks.json", timeout=5).json() for url in auth_urls]
        assert jwks[0] == jwks[1]
        client = register_through(auth_urls[0], env)
        for auth_url in auth_urls:
            token = requests.post(
                f"{auth_url}/token",
                data={"grant_type": "client_credentials"},
                auth=(client["client_id"], client["client_secret"]),
                timeout=5,
            )
            assert token.status_code == 200, token.text
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
            for resource_url in resource_urls:
                account = requests.get(f"{resource_url}/account", headers=bearer, timeout=5)
                assert account.status_code == 200, account.text
                assert account.json()["subject"] == client["client_id"]
