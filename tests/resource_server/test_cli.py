"""`resource-server`: settings errors, migrate, and a graceful stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port

from resource_server.cli import main


@pytest.mark.parametrize(
    ("argv", "setting"),
    [
        (["serve", "--port", "70000"], "RESOURCE_PORT"),
        (["serve", "--algorithms", "none"], "RESOURCE_ALGORITHMS"),
        (["migrate", "--database-url", "mysql://db"], "RESOURCE_DATABASE_URL"),
        (["serve", "--revocation-poll-interval", "5"], "RESOURCE_CLIENT_ID"),
        (["serve", "--workers", "0"], "--workers"),
        (["serve", "--log-format", "xml"], "RESOURCE_LOG_FORMAT"),
    ],
)
def test_a_bad_setting_exits_2_with_one_line(
    argv: list[str], setting: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {setting}: ")


def test_an_unreachable_database_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{unused_port()}/none"
    assert main(["migrate", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: cannot use the database")
    assert "hunter2" not in err


def test_migrate_creates_the_schema_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/rs.db"
    assert main(["migrate", "--database-url", url]) == 0
    assert capsys.readouterr().out.strip() == "applied migrations [1, 2]"
    assert main(["migrate", "--database-url", url]) == 0
    assert capsys.readouterr().out.strip() == "schema is up to date"


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_stops_gracefully_on_sigterm(tmp_path: Path, workers: int) -> None:
    port = unused_port()
    environ = {
        **os.environ,
        "RESOURCE_PORT": str(port),
        "RESOURCE_DATABASE_URL": f"sqlite:///{tmp_path}/rs.db",
        "RESOURCE_ISSUER": f"http://127.0.0.1:{unused_port()}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "resource_server", "serve", "--workers", str(workers)],
        env=environ,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        assert _get(f"http://127.0.0.1:{port}/readyz") == 503  # no issuer to fetch keys from
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "resource-server stopped" in err
    assert "Traceback" not in err
