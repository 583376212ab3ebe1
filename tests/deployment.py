"""compose.yaml and deploy/Caddyfile as the tests read them: variables interpolated as Compose
does, each service's environment moved onto loopback, and the Caddyfile adapted to run here."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.services import ROOT

COMPOSE = ROOT / "compose.yaml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """`${NAME}` and `${NAME:-default}` as Compose expands them."""
    return _VARIABLE.sub(lambda m: environ.get(m.group(1)) or m.group(2) or "", value)


def command(service: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """The service's command line, with its variables expanded."""
    return [interpolate(word, environ or {}) for word in compose()["services"][service]["command"]]


def relocated(
    service: str, places: Mapping[str, str], values: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The service's environment from compose.yaml with every container name, path and
    network in it replaced by its stand-in here (`places`, longest first), then `values`."""
    environment: dict[str, str] = {}
    for name, value in compose()["services"][service]["environment"].items():
        for old in sorted(places, key=len, reverse=True):
            value = value.replace(old, places[old])
        environment[name] = value
    return environment | dict(values or {})


def adapted_caddyfile(sites: Mapping[int, tuple[int, list[int]]]) -> str:
    """deploy/Caddyfile on loopback: each site `:PORT` to the port given for it, its dynamic
    upstreams to the given processes. The test's client stands for further proxies in front
    (a CDN), so Caddy believes its X-Forwarded-For and it can speak for many addresses."""
    text = CADDYFILE.read_text()
    text = text.replace("\tauto_https off\n", "\tauto_https off\n\tdefault_bind 127.0.0.1\n", 1)
    text = text.replace(
        "\treverse_proxy {\n", "\treverse_proxy {\n\t\ttrusted_proxies 127.0.0.0/8\n"
    )
    for port, (listen, upstreams) in sites.items():
        text = text.replace(f"\n:{port} {{", f"\n:{listen} {{")
        upstream = re.search(rf"dynamic a \S+ {port} \{{[^}}]*\}}", text)
        assert upstream is not None, f"no upstreams for :{port}"
        targets = " ".join(f"127.0.0.1:{p}" for p in upstreams)
        text = text.replace(upstream.group(0), f"to {targets}")
    return text


@contextmanager
def caddy(config: str, directory: Path, ready_urls: list[str]) -> Iterator[None]:
    """Debian's Caddy running the configuration until the block ends."""
    path = directory / "Caddyfile"
    path.write_text(config)
    process = subprocess.Popen(
        ["caddy", "run", "--adapter", "caddyfile", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=(directory / "caddy.log").open("w"),
    )
    try:
        for url in ready_urls:
            _wait_for(url, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "caddy exited; see caddy.log"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} not ready through caddy within {timeout} s")
