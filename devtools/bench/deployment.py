"""One deployment under test: a database (SQLite file or a fresh PostgreSQL schema), the
environment both services read, a registered client and its tokens."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

import asyncpg

from devtools.bench.noise import APPLICATION_NAME
from devtools.bench.services import ROOT, free_port, python_env

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
METADATA_PATH = "/.well-known/oauth-authorization-server"


def postgres_server() -> str:
    """TEST_DATABASE_URL, else the local server the test suite uses."""
    return os.environ.get("TEST_DATABASE_URL") or LOCAL_POSTGRES


def with_search_path(url: str, schema: str) -> str:
    """The URL with `search_path` (and our sessions' name) set: asyncpg passes unknown query
    parameters on as server settings."""
    parts = urlsplit(url)
    extra = f"search_path={schema}&application_name={APPLICATION_NAME}"
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


async def _create_schema(server: str, schema: str) -> None:
    admin = await asyncpg.connect(server, timeout=5)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
    finally:
        await admin.close()


async def _drop_schema(server: str, schema: str) -> None:
    admin = await asyncpg.connect(server, timeout=5)
    try:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await admin.close()


@contextlib.contextmanager
def database_url(kind: str, workdir: Path, name: str = "bench") -> Iterator[str]:
    """A fresh, empty database: a SQLite file `name`.db in `workdir`, or a new PostgreSQL
    schema (connections see only it) that is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir.resolve()}/{name}.db"
        return
    server, schema = postgres_server(), f"bench_{secrets.token_hex(6)}"
    asyncio.run(_create_schema(server, schema))
    try:
        yield with_search_path(server, schema)
    finally:
        asyncio.run(_drop_schema(server, schema))


@dataclass(frozen=True, slots=True)
class Deployment:
    """Both services' addresses and the one environment that configures them."""

    database: str
    auth_url: str
    resource_url: str
    env: dict[str, str]


def new_deployment(
    database: str, url: str, data_dir: Path, log_level: str, **extra: str
) -> Deployment:
    """Free ports, fixed secrets (the CLI and the server must agree), one database; `extra`
    settings beside them (AUTH_SIGNING_ALG)."""
    auth_port, resource_port = free_port(), free_port()
    auth_url = f"http://127.0.0.1:{auth_port}"
    resource_url = f"http://127.0.0.1:{resource_port}"
    env = python_env(
        AUTH_HOST="127.0.0.1",
        AUTH_PORT=str(auth_port),
        AUTH_DATABASE_URL=url,
        AUTH_DATA_DIR=str(data_dir),
        AUTH_DEFAULT_AUDIENCE=resource_url,
        AUTH_KEY_ENCRYPTION_KEY=base64.b64encode(os.urandom(32)).decode(),
        AUTH_SECRET_PEPPER=base64.b64encode(os.urandom(32)).decode(),
        AUTH_LOG_LEVEL=log_level,
        RESOURCE_HOST="127.0.0.1",
        RESOURCE_PORT=str(resource_port),
        RESOURCE_ISSUER=auth_url,
        RESOURCE_DATABASE_URL=url,
        RESOURCE_LOG_LEVEL=log_level,
        **extra,
    )
    return Deployment(database, auth_url, resource_url, env)


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    """A confidential client's id and its secret, as `client create --json` printed them."""

    client_id: str
    client_secret: str

    @property
    def basic(self) -> str:
        """RFC 6749 §2.3.1: id and secret form-urlencoded, then HTTP Basic."""
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}"
        return "Basic " + base64.b64encode(pair.encode()).decode()


def register_client(deployment: Deployment, scope: str = "read") -> RegisteredClient:
    """`auth-server client create --json` against the deployment's database."""
    command = [sys.executable, "-m", "auth_server", "client", "create", "--name", "bench"]
    done = subprocess.run(
        [*command, "--scope", scope, "--json"],
        env=deployment.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"auth-server client create failed: {done.stderr.strip()}")
    created = json.loads(done.stdout)
    return RegisteredClient(created["client_id"], created["client_secret"])


def get_json(url: str) -> dict[str, Any]:
    """A JSON document from a loopback URL."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        document: dict[str, Any] = json.load(response)
        return document


def metadata(auth_url: str) -> dict[str, Any]:
    """The auth server's RFC 8414 metadata: every other URL comes from it."""
    return get_json(auth_url + METADATA_PATH)


def fetch_token(token_endpoint: str, client: RegisteredClient) -> str:
    """One access token through the client credentials grant."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        token_endpoint,
        data=b"grant_type=client_credentials",
        headers={
            "Authorization": client.basic,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        token: str = json.load(response)["access_token"]
        return token
