"""The audit trail: one JSON record per security event on the `audit` logger, with who, from
where and in which request, and never a password, secret, token or code."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import encode_basic_auth
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import USERS
from shared.logging import JsonFormatter
from tests.auth_server.browser import Browser, pkce_pair
from tests.auth_server.conftest import (
    ISSUER,
    PASSWORD,
    AuthClient,
    Registered,
    random_secret,
)
from tests.auth_server.flows import (
    CC,
    INITIAL_TOKEN,
    WEB_APP,
    authorize_query,
    post_token,
    redeem,
    refresh,
    register,
    sign_in_and_approve,
)
from tests.auth_server.lifecycle import revoke

WRONG_PASSWORD = "not-alices-password-0451"
WRONG_SECRET = "not-the-client-secret-7781"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged at info and above, formatted as AUTH_LOG_FORMAT=json formats it."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(JsonFormatter())
    root, audit = logging.getLogger(), logging.getLogger("audit")
    levels = root.level, audit.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    audit.setLevel(logging.INFO)
    yield output
    root.removeHandler(handler)
    root.setLevel(levels[0])
    audit.setLevel(levels[1])


def audit_records(output: io.StringIO) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in output.getvalue().splitlines()]
    return [record for record in records if record["logger"] == "audit"]


def events(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(record["event"], record["outcome"]) for record in records]


async def test_a_user_and_a_clients_session_leave_a_trail_without_secrets(
    auth_client: AuthClient,
    web_client: Registered,
    user_id: str,
    captured: io.StringIO,
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    assert (await browser.submit(login, username="alice", password=WRONG_PASSWORD)).status == 401
    code, verifier = await sign_in_and_approve(browser, web_client)
    status, tokens = await redeem(auth_client, web_client, code, verifier)
    assert status == 200
    status, rotated = await refresh(auth_client, web_client, tokens["refresh_token"])
    assert status == 200
    assert (await refresh(auth_client, web_client, tokens["refresh_token"]))[0] == 400  # reuse
    assert await revoke(auth_client, web_client, rotated["access_token"]) == 200
    wrong = Registered(web_client.client_id, WRONG_SECRET)
    assert (await post_token(auth_client, CC, wrong))[0] == 401
    records = audit_records(captured)
    assert events(records) == [
        ("sign_in", "failure"),
        ("sign_in", "success"),
        ("consent", "given"),
        ("refresh_token_reuse", "family_revoked"),
        ("token_revocation", "success"),
        ("client_authentication", "failure"),
    ]
    for record in records:
        assert record["client_id"] == web_client.client_id
        assert record["address"] == "127.0.0.1"
        assert len(record["request_id"]) == 32
    assert [r.get("user_id") for r in records[1:3]] == [user_id, user_id]
    secrets = [PASSWORD, WRONG_PASSWORD, WRONG_SECRET, web_client.client_secret, code, verifier]
    secrets += [tokens["access_token"], tokens["refresh_token"], rotated["refresh_token"]]
    for secret in secrets:
        assert secret
        assert secret not in captured.getvalue()


async def test_refused_consent_and_registration_changes_are_recorded(
    aiohttp_client: AiohttpClient,
    auth_settings: Settings,
    captured: io.StringIO,
) -> None:
    settings = dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)
    http = await aiohttp_client(create_app(settings))
    status, _, registered = await register(http, WEB_APP)
    assert status == 201
    path = registered["registration_client_uri"].removeprefix(ISSUER)
    bearer = {"Authorization": f"Bearer {registered['registration_access_token']}"}
    update = {**WEB_APP, "client_id": registered["client_id"], "client_name": "Printer 2"}
    assert (await http.put(path, json=update, headers=bearer)).status == 200
    await http.app[USERS].create("alice", PASSWORD)
    browser = Browser(http)
    _, challenge = pkce_pair()
    client = Registered(registered["client_id"], registered["client_secret"])
    query = authorize_query(client, challenge, redirect_uri=WEB_APP["redirect_uris"][0])
    consent = await browser.submit(
        await browser.open("/authorize", **query), username="alice", password=PASSWORD
    )
    assert (await browser.submit(consent, decision="deny")).status == 303
    assert (await http.delete(path, headers=bearer)).status == 204
    assert events(audit_records(captured)) == [
        ("client_registered", "success"),
        ("client_updated", "success"),
        ("sign_in", "success"),
        ("consent", "refused"),
        ("client_deleted", "success"),
    ]
    output = captured.getvalue()
    for secret in (
        INITIAL_TOKEN,
        registered["registration_access_token"],
        registered["client_secret"],
    ):
        assert secret not in output


@pytest.mark.parametrize("database_kind", ["sqlite"])
def test_cli_changes_are_recorded(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": database_url,
        "AUTH_DATA_DIR": str(tmp_path),
        "AUTH_KEY_ENCRYPTION_KEY": random_secret(),
        "AUTH_SECRET_PEPPER": random_secret(),
        "AUTH_LOG_FORMAT": "json",
    }
    script = (
        "import sys; from auth_server.cli.main import main\n"
        "for argv in sys.argv[1:]:\n"
        "    assert main(argv.split()) == 0\n"
    )
    commands = ["client create --name billing --json", "keys rotate"]
    result = subprocess.run(
        [sys.executable, "-c", script, *commands],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout[: result.stdout.index("}") + 1])
    records = [json.loads(line) for line in result.stderr.splitlines() if '"audit"' in line]
    assert [(r["event"], r["outcome"], r.get("client_id")) for r in records] == [
        ("client_created", "success", created["client_id"]),
        ("key_rotated", "success", None),
    ]
    assert created["client_secret"] not in result.stderr
    assert encode_basic_auth(created["client_id"], created["client_secret"]) not in result.stderr
