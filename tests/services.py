"""Both services as real processes on loopback ports, started through their command lines,
as an operator runs them; for tests that need more than one process or a synchronous client."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent


_GIVEN: set[int] = set()
# Ports the kernel never picks by itself (for bind to port 0 or for outgoing connections) lie
# below its ephemeral range; tests take theirs from there, so no client socket steals one.
_LOW = 20000


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def free_port() -> int:
    """A loopback port nobody listens on now, never one this test run gave before.

    Under pytest-xdist each worker takes only its own residue class of ports, so two workers
    never hand out the same one either."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    floor = _ephemeral_floor()
    while True:
        if floor - _LOW >= 1000:
            port = random.randrange(_LOW, floor)
            if port % workers != worker or port in _GIVEN:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
        else:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            if port in _GIVEN:
                continue
        _GIVEN.add(port)
        return port


@dataclass(frozen=True)
class Deployment:
    """Where the two services listen and the environment that configures them."""

    auth_url: str
    resource_url: str
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `auth-server ARGS` against this deployment's database; its stdout."""
        result = subprocess.run(
            [sys.executable, "-m", "auth_server", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def cli_json(self, *args: str, stdin: str | None = None) -> Any:
        return json.loads(self.cli(*args, "--json", stdin=stdin))


def deployment_env(database_url: str, data_dir: Path) -> tuple[dict[str, str], str, str]:
    """The environment of one deployment: both services on free ports, one database."""
    auth_port, resource_port = free_port(), free_port()
    auth_url = f"http://127.0.0.1:{auth_port}"
    resource_url = f"http://127.0.0.1:{resource_port}"
    env = {
        **os.environ,
        "AUTH_PORT": str(auth_port),
        "AUTH_DATABASE_URL": database_url,
        "AUTH_DATA_DIR": str(data_dir),
        "AUTH_DEFAULT_AUDIENCE": resource_url,
        "AUTH_KEY_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
        "AUTH_SECRET_PEPPER": base64.b64encode(os.urandom(32)).decode(),
        "AUTH_REGISTRATION_TOKEN": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "AUTH_LOG_LEVEL": "warning",
        "RESOURCE_PORT": str(resource_port),
        "RESOURCE_ISSUER": auth_url,
        "RESOURCE_DATABASE_URL": database_url,
        "RESOURCE_LOG_LEVEL": "warning",
    }
    return env, auth_url, resource_url


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Poll `url` until it answers 200; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited with {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} not ready within {timeout} s")


@contextmanager
def running(command: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    """One service process, ready; stopped with SIGTERM afterwards."""
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        wait_ready(ready_url, process)
        yield
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def replica_env(env: dict[str, str], **ports: int) -> dict[str, str]:
    """The same deployment's environment with other listen ports (another replica)."""
    return {**env, **{name: str(port) for name, port in ports.items()}}


@contextmanager
def deployed(database_url: str, data_dir: Path, *, workers: int = 1) -> Iterator[Deployment]:
    """The auth server, then the resource server trusting it, both ready."""
    env, auth_url, resource_url = deployment_env(database_url, data_dir)
    serve = ["serve", "--workers", str(workers)]
    with (
        running([sys.executable, "-m", "auth_server", *serve], env, f"{auth_url}/readyz"),
        running([sys.executable, "-m", "resource_server", *serve], env, f"{resource_url}/readyz"),
    ):
        yield Deployment(auth_url, resource_url, env)


def register_through(auth_url: str, env: dict[str, str]) -> dict[str, str]:
    """A client registered through one replica's registration endpoint."""
    metadata = requests.get(f"{auth_url}/.well-known/oauth-authorization-server", timeout=5).json()
    response = requests.post(
        metadata["registration_endpoint"],
        json={"client_name": "scaled", "grant_types": ["client_credentials"], "scope": "read"},
        headers={"Authorization": f"Bearer {env['AUTH_REGISTRATION_TOKEN']}"},
        timeout=5,
    )
    assert response.status_code == 201, response.text
    registered: dict[str, str] = response.json()
    return registered
