"""The OpenID Connect commands as an operator runs them: `user create --email --name`,
`user update`, and `keys list|rotate --id-token`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.auth_server.conftest import random_secret


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AUTH_DATABASE_URL": database_url,
        "AUTH_DATA_DIR": str(tmp_path),
        "AUTH_KEY_ENCRYPTION_KEY": random_secret(),
        "AUTH_SECRET_PEPPER": random_secret(),
    }


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auth_server", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def shown(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_users_get_an_email_and_a_name_and_can_change_them(cli_env: dict[str, str]) -> None:
    profile = ["--email", "alice@example.com", "--name", "Alice Liddell"]
    created = shown(cli(cli_env, "user", "create", "alice", "--password-stdin", *profile,
                        "--json", stdin="correct horse battery"))  # fmt: skip
    assert set(created) == {"user_id", "username"}
    listed = shown(cli(cli_env, "user", "list", "--json"))
    assert listed[0]["email"] == "alice@example.com"
    assert (listed[0]["name"], listed[0]["email_verified"]) == ("Alice Liddell", False)

    verified = shown(cli(cli_env, "user", "update", "alice", "--email-verified", "--json"))
    assert (verified["email"], verified["email_verified"]) == ("alice@example.com", True)
    moved = shown(cli(cli_env, "user", "update", "alice", "--email", "a@new.example", "--json"))
    assert (moved["email"], moved["email_verified"]) == ("a@new.example", False)
    cleared = shown(cli(cli_env, "user", "update", "alice", "--name", "", "--json"))
    assert cleared["name"] is None

    refused = cli(cli_env, "user", "update", "alice", "--email", "not an address")
    assert refused.returncode != 0
    assert "email" in refused.stderr
    missing = cli(cli_env, "user", "update", "nobody", "--name", "X")
    assert missing.returncode != 0
    assert "no user 'nobody'" in missing.stderr


def test_the_id_token_keys_are_listed_and_rotated_apart(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "AUTH_SIGNING_ALG": "ES256"}
    assert shown(cli(env, "keys", "list", "--id-token", "--json")) == []  # made by `serve`
    started = shown(cli(env, "keys", "rotate", "--id-token", "--json"))
    assert (started["key"]["alg"], started["key"]["state"]) == ("RS256", "current")
    (listed,) = shown(cli(env, "keys", "list", "--id-token", "--json"))
    assert listed["kid"] == started["key"]["kid"]
    assert started["key"]["kid"] not in {
        key["kid"] for key in shown(cli(env, "keys", "list", "--json"))
    }
    following = shown(cli(env, "keys", "rotate", "--id-token", "--json"))
    assert (following["key"]["alg"], following["key"]["state"]) == ("RS256", "next")
