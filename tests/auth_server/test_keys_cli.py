"""`auth-server keys list | keys rotate [--emergency]` as an operator runs them, and the key
settings as they are read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auth_server.settings import Settings
from shared.config import SettingError
from tests.auth_server.conftest import random_secret

SPEC_FIELDS = {"kid", "state", "alg", "created_at", "signing_from", "retire_at"}


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AUTH_DATABASE_URL": database_url,
        "AUTH_DATA_DIR": str(tmp_path),
        "AUTH_KEY_ENCRYPTION_KEY": random_secret(),
        "AUTH_SECRET_PEPPER": random_secret(),
        # Long enough that the next key is still `next` when the last command of a test runs,
        # however slowly a loaded machine starts each CLI process.
        "AUTH_JWKS_MAX_AGE": "120",
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auth_server", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_json(env: dict[str, str], *args: str) -> Any:
    result = run(env, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_rotate_then_list_then_emergency(env: dict[str, str]) -> None:
    assert run_json(env, "keys", "list") == []
    first = run_json(env, "keys", "rotate")["key"]  # no key yet: it signs at once
    assert first["state"] == "current"
    rotation = run_json(env, "keys", "rotate")
    second = rotation["key"]
    assert (rotation["started"], second["state"], second["alg"]) == (True, "next", "RS256")
    assert second["signing_from"] >= second["created_at"] + 120  # AUTH_KEY_PUBLISH_DELAY
    again = run_json(env, "keys", "rotate")
    assert (again["started"], again["key"]["kid"]) == (False, second["kid"])

    listed = run_json(env, "keys", "list")
    assert all(set(key) >= SPEC_FIELDS for key in listed)
    assert [(key["kid"], key["state"]) for key in listed] == [
        (first["kid"], "current"),
        (second["kid"], "next"),
    ]
    assert listed[0]["retire_at"] == second["signing_from"]
    assert listed[0]["remove_at"] == second["signing_from"] + 900 + 60  # TTL plus margin

    emergency = run_json(env | {"AUTH_SIGNING_ALG": "ES256"}, "keys", "rotate", "--emergency")
    assert set(emergency["unpublished"]) == {first["kid"], second["kid"]}
    assert (emergency["key"]["state"], emergency["key"]["alg"]) == ("current", "ES256")
    assert [key["kid"] for key in run_json(env, "keys", "list")] == [emergency["key"]["kid"]]


def test_list_for_people(env: dict[str, str]) -> None:
    kid = run_json(env, "keys", "rotate")["key"]["kid"]
    listing = run(env, "keys", "list")
    assert listing.returncode == 0, listing.stderr
    header, row = listing.stdout.splitlines()
    assert header.split()[:3] == ["KID", "STATE", "ALG"]
    assert row.split()[:3] == [kid, "current", "RS256"]
    summary = run(env, "keys", "rotate")
    assert summary.stdout.startswith("key ")
    assert "signs from" in summary.stdout


@pytest.mark.parametrize("database_kind", ["sqlite"])
@pytest.mark.parametrize(
    ("name", "value"),
    [("AUTH_SIGNING_ALG", "HS256"), ("AUTH_SIGNING_ALG", "none"), ("AUTH_KEY_PUBLISH_DELAY", "1")],
)
def test_a_bad_key_setting_stops_the_command(env: dict[str, str], name: str, value: str) -> None:
    result = run(env | {name: value}, "keys", "list")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {name}")


def test_key_settings_default_to_the_spec() -> None:
    settings = Settings.from_env({})
    assert (settings.publish_delay, settings.key_rotation_interval) == (300, 2_592_000)
    assert settings.signing_alg == "RS256"
    follows = Settings.from_env({"AUTH_JWKS_MAX_AGE": "60"})
    assert follows.publish_delay == 60
    flags = {"AUTH_SIGNING_ALG": "PS256", "AUTH_KEY_PUBLISH_DELAY": "600"}
    chosen = Settings.from_env({"AUTH_SIGNING_ALG": "ES256"}, flags)
    assert (chosen.signing_alg, chosen.publish_delay) == ("PS256", 600)


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({"AUTH_JWKS_MAX_AGE": "300", "AUTH_KEY_PUBLISH_DELAY": "299"}, "AUTH_KEY_PUBLISH_DELAY"),
        ({"AUTH_KEY_ROTATION_INTERVAL": "300"}, "AUTH_KEY_ROTATION_INTERVAL"),
        ({"AUTH_KEY_ROTATION_INTERVAL": "0"}, "AUTH_KEY_ROTATION_INTERVAL"),
        ({"AUTH_SIGNING_ALG": "RS512"}, "AUTH_SIGNING_ALG"),
    ],
)
def test_key_settings_that_would_break_the_guarantees_are_refused(
    environ: dict[str, str], name: str
) -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env(environ)
    assert caught.value.name == name
