"""`auth-server` as an operator runs it: real processes, real databases."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from auth_server.clients.registry import new_client_id
from tests.auth_server.conftest import random_secret
from tests.services import free_port


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment an operator would set: a database and the two server secrets."""
    return {
        **os.environ,
        "AUTH_DATABASE_URL": database_url,
        "AUTH_DATA_DIR": str(tmp_path),
        "AUTH_KEY_ENCRYPTION_KEY": random_secret(),
        "AUTH_SECRET_PEPPER": random_secret(),
    }


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "auth_server", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def run_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(run(env, *args).stdout)


def test_client_lifecycle(cli_env: dict[str, str]) -> None:
    created = run_json(
        cli_env, "client", "create", "--name", "billing", "--scope", "read write", "--json"
    )
    assert set(created) >= {"client_id", "client_secret", "grant_types", "scope", "redirect_uris"}
    assert created["grant_types"] == ["client_credentials"]
    assert created["scope"] == "read write"
    assert len(created["client_secret"]) >= 43  # 256 bits, base64url
    client_id = created["client_id"]

    listed = run_json(cli_env, "client", "list", "--json")
    assert [c["client_id"] for c in listed] == [client_id]
    assert all("client_secret" not in c for c in listed)
    assert created["client_secret"] not in json.dumps(listed)
    shown = run_json(cli_env, "client", "show", client_id)
    assert shown["client_name"] == "billing"
    assert created["client_secret"] not in json.dumps(shown)

    rotated = run_json(cli_env, "client", "rotate-secret", client_id)
    assert rotated["client_id"] == client_id
    assert rotated["client_secret"] != created["client_secret"]

    assert run(cli_env, "client", "delete", client_id).returncode == 0
    missing = run(cli_env, "client", "show", client_id, check=False)
    assert missing.returncode != 0
    assert missing.stderr.startswith("error: ")


def test_secret_is_never_stored_in_clear(cli_env: dict[str, str], tmp_path: Path) -> None:
    created = run_json(cli_env, "client", "create", "--name", "x", "--json")
    if cli_env["AUTH_DATABASE_URL"].startswith("sqlite"):
        blob = Path(cli_env["AUTH_DATABASE_URL"].removeprefix("sqlite:///")).read_bytes()
        wal = Path(cli_env["AUTH_DATABASE_URL"].removeprefix("sqlite:///") + "-wal")
        blob += wal.read_bytes() if wal.exists() else b""
        assert created["client_secret"].encode() not in blob
    dump = run_json(cli_env, "client", "show", created["client_id"])
    assert created["client_secret"] not in json.dumps(dump)


def test_client_ids_never_read_as_options(cli_env: dict[str, str]) -> None:
    # An id beginning with "-" made `client show ID` fail as an unknown option (1 in 64 did).
    ids = [new_client_id() for _ in range(2000)]
    assert all(client_id.isascii() and client_id.isalnum() for client_id in ids)
    assert len(set(ids)) == len(ids)
    created = run_json(cli_env, "client", "create", "--name", "x", "--json")
    # An id an older release made with a leading "-" can still be named after "--".
    assert run_json(cli_env, "client", "show", "--", created["client_id"])["client_name"] == "x"


def test_defaults_follow_the_spec(cli_env: dict[str, str]) -> None:
    web_app = run_json(
        cli_env,
        "client",
        "create",
        "--name",
        "web",
        "--redirect-uri",
        "https://app.example/cb",
        "--json",
    )
    assert web_app["grant_types"] == ["client_credentials", "authorization_code", "refresh_token"]
    assert web_app["scope"] == "read"
    public = run_json(
        cli_env, "client", "create", "--name", "spa", "--public",
        "--redirect-uri", "http://127.0.0.1:9000/cb", "--json",
    )  # fmt: skip
    assert "client_secret" not in public
    assert public["grant_types"] == ["authorization_code", "refresh_token"]


@pytest.mark.parametrize(
    "args",
    [
        ["--public", "--grant-type", "client_credentials"],
        ["--scope", "admin"],
        ["--grant-type", "password"],
        ["--redirect-uri", "http://app.example/cb"],
        ["--redirect-uri", "https://app.example/cb#frag"],
        ["--grant-type", "authorization_code"],
        ["--public", "--introspect", "--redirect-uri", "https://app.example/cb"],
    ],
)
def test_refused_registrations_say_why(cli_env: dict[str, str], args: list[str]) -> None:
    result = run(cli_env, "client", "create", "--name", "bad", *args, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert run_json(cli_env, "client", "list", "--json") == []


@pytest.mark.usefixtures("database_kind")
@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("AUTH_PORT", "eighty"),
        ("AUTH_ISSUER", "ftp://example"),
        ("AUTH_DATABASE_URL", "mysql://x"),
        ("AUTH_ACCESS_TOKEN_TTL", "-5"),
        ("AUTH_KEY_ENCRYPTION_KEY", "too-short"),
    ],
)
def test_bad_setting_is_one_line_and_exit_2(
    cli_env: dict[str, str], setting: str, value: str
) -> None:
    result = run({**cli_env, setting: value}, "serve", check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {setting}")


def test_flag_wins_over_environment(cli_env: dict[str, str]) -> None:
    result = run({**cli_env, "AUTH_PORT": "eighty"}, "serve", "--port", "nope", check=False)
    assert result.stderr.startswith("error: AUTH_PORT")
    assert "nope" in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": "postgresql://user:hunter2@127.0.0.1:9/none",
        "AUTH_DATA_DIR": str(tmp_path),
    }
    result = run(env, "serve", "--port", str(free_port()), check=False)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


@pytest.fixture
def server(cli_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "auth_server", "serve", "--port", str(port)],
        env={**cli_env, "AUTH_ISSUER": f"http://127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield process, port
    if process.poll() is None:
        process.kill()
    process.wait()
    log.close()


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
async def test_sigterm_finishes_the_request_in_flight(
    server: tuple[subprocess.Popen[str], int], cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A token request stuck on a locked table when SIGTERM arrives still gets its token."""
    process, port = server
    created = run_json(cli_env, "client", "create", "--name", "x", "--json")
    # client_secret_basic: the method a client created by the CLI is registered with.
    basic = aiohttp.encode_basic_auth(created["client_id"], created["client_secret"])
    locker = await asyncpg.connect(cli_env["AUTH_DATABASE_URL"])
    transaction = locker.transaction()
    await transaction.start()
    await locker.execute("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE")
    async with aiohttp.ClientSession() as session:
        in_flight = asyncio.create_task(
            session.post(
                f"http://127.0.0.1:{port}/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": basic},
            )
        )
        await asyncio.sleep(0.5)  # the handler now waits on the lock
        process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        with pytest.raises(aiohttp.ClientConnectionError):  # no new connections accepted
            async with aiohttp.ClientSession() as other:
                await other.get(f"http://127.0.0.1:{port}/healthz")
        await transaction.rollback()
        await locker.close()
        response = await asyncio.wait_for(in_flight, 10)
        assert response.status == 200
        assert "access_token" in await response.json()
    assert await asyncio.to_thread(process.wait, 10) == 0
    log = (tmp_path / "server.log").read_text()
    assert "stopped" in log
    assert "Traceback" not in log
    assert created["client_secret"] not in log


def create_user(env: dict[str, str], *args: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auth_server", "user", "create", *args, "--password-stdin"],
        env=env,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_user_create_and_disable(cli_env: dict[str, str]) -> None:
    created = create_user(cli_env, "Bob", "--json", password="a long enough password")
    assert created.returncode == 0, created.stderr
    user = json.loads(created.stdout)
    assert user["username"] == "bob"
    assert user["user_id"]
    assert user["user_id"] != "bob"  # sub is a stable id, not the name
    taken = create_user(cli_env, "bob", password="another password")
    assert taken.returncode == 1
    assert taken.stderr.startswith("error: ")
    assert run(cli_env, "user", "disable", "bob").returncode == 0
    (listed,) = run_json(cli_env, "user", "list", "--json")
    assert listed["disabled"] is True
    assert "password" not in json.dumps(listed)


def test_short_password_is_refused(cli_env: dict[str, str]) -> None:
    result = create_user(cli_env, "eve", password="short")
    assert result.returncode == 1
    assert "password" in result.stderr
