"""Every start-up failure, in every mode, is one `error: ...` line naming the cause, exit
status 2, no traceback: a database that is missing or refuses the role, a port in use, secrets
that do not fit the database; under `--workers N` and with JSON logs too."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.services import ROOT, free_port

COMMANDS = [
    ("auth_server", ["migrate"]),
    ("auth_server", ["client", "list"]),
    ("auth_server", ["keys", "list"]),
    ("auth_server", ["serve"]),
    ("auth_server", ["serve", "--workers", "2"]),
    ("resource_server", ["migrate"]),
    ("resource_server", ["serve", "--workers", "2"]),
]


def start(package: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the command; it must fail on its own, quickly."""
    return subprocess.run(
        [sys.executable, "-m", package, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for text in expected:
        assert text in errors[0]
    return errors[0]


def environment(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    port = str(free_port())
    return {
        **os.environ,
        "AUTH_DATABASE_URL": database_url,
        "RESOURCE_DATABASE_URL": database_url,
        "AUTH_DATA_DIR": str(tmp_path),
        "AUTH_PORT": port,
        "RESOURCE_PORT": port,
        **extra,
    }


def with_parts(url: str, *, user: str | None = None, database: str | None = None) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{user or parts.username}:hunter2@{host}"
    return urlunsplit(
        parts._replace(netloc=netloc, path=f"/{database}" if database else parts.path)
    )


@pytest.mark.parametrize(("package", "args"), COMMANDS)
def test_a_missing_database_is_one_line(
    postgres_url: str, tmp_path: Path, package: str, args: list[str]
) -> None:
    missing = with_parts(postgres_url, database="no_such_database_17")
    result = start(package, args, environment(tmp_path, missing))
    line = assert_one_error_line(result, "cannot use the database", "no_such_database_17")
    assert "hunter2" not in result.stderr
    assert "***" in line


@pytest.mark.parametrize(("package", "args"), COMMANDS[3:5] + COMMANDS[6:])
def test_a_missing_role_is_one_line_with_json_logs(
    postgres_url: str, tmp_path: Path, package: str, args: list[str]
) -> None:
    refused = with_parts(postgres_url, user="no_such_role_17")
    env = environment(tmp_path, refused, AUTH_LOG_FORMAT="json", RESOURCE_LOG_FORMAT="json")
    result = start(package, args, env)
    assert_one_error_line(result, "no_such_role_17")
    others = [line for line in result.stderr.splitlines() if not line.startswith("error: ")]
    assert all(line.startswith("{") for line in others), result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("package", ["auth_server", "resource_server"])
def test_a_port_in_use_is_one_line(tmp_path: Path, package: str, workers: str) -> None:
    env = environment(tmp_path, f"sqlite:///{tmp_path}/db.sqlite")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", int(env["AUTH_PORT"])))
        taken.listen()
        result = start(package, ["serve", "--workers", workers], env)
    assert_one_error_line(result, "cannot listen on 127.0.0.1:")


@pytest.mark.parametrize("args", [["serve", "--workers", "2"], ["user", "list"]])
def test_a_pepper_that_does_not_fit_is_one_line(tmp_path: Path, args: list[str]) -> None:
    env = environment(tmp_path, f"sqlite:///{tmp_path}/db.sqlite")
    assert start("auth_server", ["client", "create", "--name", "x"], env).returncode == 0
    env["AUTH_SECRET_PEPPER"] = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    result = start("auth_server", args, env)
    assert_one_error_line(result, "pepper")


def test_a_wildcard_address_needs_the_public_url(tmp_path: Path) -> None:
    env = environment(tmp_path, f"sqlite:///{tmp_path}/db.sqlite", AUTH_HOST="0.0.0.0")
    result = start("auth_server", ["serve"], env)
    assert_one_error_line(result, "AUTH_ISSUER", "0.0.0.0")
    assert result.stderr.count("\n") == 1
