"""The compose.yaml deployment as processes: Debian's Caddy running the repository's Caddyfile
(on loopback ports) in front of two auth-server and two resource-server processes, each with
the environment compose.yaml gives it, and the feed-client one-off run as written."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests import deployment
from tests.services import ROOT, Deployment, free_port, running, wait_ready

# What stands in here for the containers' names, paths and network.
PUBLIC_AUTH, PUBLIC_RESOURCE = "http://localhost:8000", "http://localhost:8001"
BACK_CHANNEL = "http://auth-server:8000"
BACKEND_NETWORK = "172.30.0.0/24"
FEED_DIR, SECRETS_DIR = "/var/lib/oauth-feed", "/run/secrets"
Popen = subprocess.Popen[bytes]


@dataclass
class Stack:
    """The proxy's two sites, the processes behind them, and the operator's CLI."""

    auth: str
    resource: str
    auth_replicas: list[str]
    resource_replicas: list[str]
    operator: Deployment
    auth_processes: list[Popen] = field(default_factory=list)


def write_secrets(directory: Path, database_url: str) -> None:
    """What `make compose-secrets` writes, for this database: private files (the services
    refuse a secret file that others may read)."""
    directory.mkdir(mode=0o700)
    values = {name: database_url for name in ("auth_database_url", "resource_database_url")}
    for name in ("auth_key_encryption_key", "auth_secret_pepper"):
        values[name] = base64.b64encode(os.urandom(32)).decode()
    for name, value in values.items():
        (directory / name).write_text(value + "\n")
        (directory / name).chmod(0o600)


def base_environment(tmp_path: Path) -> dict[str, str]:
    """The image's own settings that matter here, and quiet logs."""
    return {
        **os.environ,
        "AUTH_DATA_DIR": str(tmp_path / "data"),
        "AUTH_LOG_FORMAT": "json",
        "AUTH_LOG_LEVEL": "warning",
        "RESOURCE_LOG_FORMAT": "json",
        "RESOURCE_LOG_LEVEL": "warning",
    }


def create_feed_client(places: dict[str, str], env: dict[str, str]) -> None:
    """compose.yaml's feed-client command, run by sh as written, with this machine's paths."""
    (script,) = deployment.compose()["services"]["feed-client"]["command"]
    script = script.replace("auth-server client", f"{sys.executable} -m auth_server client")
    script = script.replace("python -c", f"{sys.executable} -c")
    script = script.replace(FEED_DIR, places[FEED_DIR])
    environment = env | deployment.relocated("feed-client", places)
    subprocess.run(["sh", "-c", script], env=environment, cwd=ROOT, check=True, timeout=60)


def _serve(package: str, service: str) -> list[str]:
    """The service's command from compose.yaml, one worker per process (there are two)."""
    command = deployment.command(service, {"AUTH_WORKERS": "1", "RESOURCE_WORKERS": "1"})
    return [sys.executable, "-m", package, *command[1:]]


@contextmanager
def proxied_stack(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    """Everything started and ready; stopped afterwards."""
    ports = {name: free_port() for name in ("proxy_auth", "proxy_rs", "a1", "a2", "r1", "r2")}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    places = {
        PUBLIC_AUTH: url["proxy_auth"],
        PUBLIC_RESOURCE: url["proxy_rs"],
        BACK_CHANNEL: url["a2"],  # Docker's DNS would give either; a1 is the one to die
        BACKEND_NETWORK: "127.0.0.1/32",
        SECRETS_DIR: str(tmp_path / "secrets"),
        FEED_DIR: str(tmp_path / "feed"),
    }
    write_secrets(tmp_path / "secrets", database_url)
    (tmp_path / "feed").mkdir()
    env = base_environment(tmp_path)
    auth_env = env | deployment.relocated("auth-server", places)
    stack = Stack(
        url["proxy_auth"],
        url["proxy_rs"],
        [url["a1"], url["a2"]],
        [url["r1"], url["r2"]],
        Deployment(url["proxy_auth"], url["proxy_rs"], auth_env),
    )
    with ExitStack() as started:
        for name in ("a1", "a2"):
            replica = auth_env | {"AUTH_PORT": str(ports[name])}
            command = _serve("auth_server", "auth-server")
            stack.auth_processes.append(_start(started, command, replica, f"{url[name]}/readyz"))
        create_feed_client(places, env)
        for name in ("r1", "r2"):
            replica = env | deployment.relocated(
                "resource-server", places, {"RESOURCE_PORT": str(ports[name])}
            )
            command = _serve("resource_server", "resource-server")
            started.enter_context(running(command, replica, f"{url[name]}/readyz"))
        started.enter_context(_proxy(ports, tmp_path))
        yield stack


def _proxy(ports: dict[str, int], directory: Path) -> AbstractContextManager[None]:
    """Caddy with the repository's Caddyfile, its sites on the proxy's ports."""
    sites = {
        8000: (ports["proxy_auth"], [ports["a1"], ports["a2"]]),
        8001: (ports["proxy_rs"], [ports["r1"], ports["r2"]]),
    }
    ready = [f"http://127.0.0.1:{ports[site]}/readyz" for site in ("proxy_auth", "proxy_rs")]
    return deployment.caddy(deployment.adapted_caddyfile(sites), directory, ready)


def _start(started: ExitStack, command: list[str], env: dict[str, str], ready: str) -> Popen:
    """A process that the test may kill; stopped with SIGTERM at the end if it still runs."""
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    started.callback(_stop, process)
    wait_ready(ready, process)
    return process


def _stop(process: Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
