"""A real JavaScript client, oauth4webapi (tests/node), authenticates with private_key_jwt,
gets a DPoP-bound token (retrying with the server's nonce) and uses it at the resource server,
whose Bearer downgrade of the same token is refused."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer, unused_port
from cryptography.hazmat.primitives.asymmetric import ec
from pytest_aiohttp import AiohttpServer

import auth_server
from auth_server.appkeys import CLIENTS
from auth_server.clients.policy import new_client
from resource_server import Settings, create_app
from tests.dpop_proofs import ProofKey

NODE_DIR = Path(__file__).resolve().parent.parent / "node"


def _node() -> str:
    node = shutil.which("node")
    installed = (NODE_DIR / "node_modules" / "oauth4webapi").is_dir()
    if node is None or not installed:
        if os.environ.get("CI"):
            pytest.fail("node and `npm ci --prefix tests/node` are needed (make test does it)")
        pytest.skip("node or tests/node/node_modules missing: run `make test`")
    return node


async def test_oauth4webapi_uses_private_key_jwt_and_dpop(
    aiohttp_server: AiohttpServer, database_url: str, tmp_path: Path
) -> None:
    node = _node()
    auth_port, rs_port = unused_port(), unused_port()
    issuer, resource = f"http://127.0.0.1:{auth_port}", f"http://127.0.0.1:{rs_port}"
    secret = base64.b64encode(secrets.token_bytes(32)).decode()
    settings = auth_server.Settings(
        issuer=issuer,
        database_url=database_url,
        data_dir=tmp_path,
        default_audience=resource,
        key_encryption_key=secret,
        secret_pepper=secret,
        dpop_nonce=True,
    )
    auth_app = auth_server.create_app(settings)
    await aiohttp_server(auth_app, port=auth_port)
    rs = TestServer(
        create_app(Settings(identifier=resource, issuer=issuer, database_url=database_url)),
        port=rs_port,
    )
    await rs.start_server()
    try:
        key = ProofKey("ES256", ec.generate_private_key(ec.SECP256R1()))
        public = {**key.jwk, "kid": "node-1", "use": "sig"}
        request = new_client(
            name="oauth4webapi",
            server_scopes=settings.scopes,
            jwks={"keys": [public]},
            dpop_bound=True,
        )
        client, _ = await auth_app[CLIENTS].create(request)
        result = await _run_node(
            node,
            ISSUER=issuer,
            RESOURCE_URL=resource,
            CLIENT_ID=client.client_id,
            CLIENT_KEY_JWK=json.dumps({**key.private_jwk, "kid": "node-1"}),
        )
    finally:
        await rs.close()
    assert result["token_type"].lower() == "dpop"
    assert result["account_status"] == 200, result
    assert result["account"]["client_id"] == client.client_id
    assert result["bearer_status"] == 401
    assert 'error="invalid_token"' in result["bearer_challenge"]


async def _run_node(node: str, **env: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        node,
        str(NODE_DIR / "clients.mjs"),
        cwd=NODE_DIR,
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result
