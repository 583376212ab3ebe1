"""`serve --workers N`: N processes share the port, metrics add up across them, and SIGTERM
stops them all."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.services import ROOT, deployment_env, wait_ready


def children(pid: int) -> set[int]:
    """The live worker processes of `pid` (the spawn machinery's helper excluded)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.MULTILINE):
            command = (status.parent / "cmdline").read_bytes()
            if b"spawn_main" in command:
                found.add(int(status.parent.name))
    return found


def requests_counted(metrics: str, route: str) -> float:
    pattern = (
        rf'^http_requests_total{{method="GET",route="{re.escape(route)}",status="200"}} (\S+)$'
    )
    return sum(float(v) for v in re.findall(pattern, metrics, re.MULTILINE))


@pytest.mark.parametrize("package", ["auth_server", "resource_server"])
def test_workers_share_the_port_and_the_metrics(tmp_path: Path, package: str) -> None:
    env, auth_url, resource_url = deployment_env(f"sqlite:///{tmp_path}/db.sqlite", tmp_path)
    issuer = None
    if package == "resource_server":
        # Keys come from a real auth server; only the resource server runs several workers.
        issuer = subprocess.Popen([sys.executable, "-m", "auth_server", "serve"], env=env, cwd=ROOT)
        wait_ready(f"{auth_url}/readyz", issuer)
    base = auth_url if package == "auth_server" else resource_url
    server = subprocess.Popen(
        [sys.executable, "-m", package, "serve", "--workers", "2"], env=env, cwd=ROOT
    )
    try:
        wait_ready(f"{base}/readyz", server)
        workers = children(server.pid)
        assert len(workers) == 2
        for _ in range(40):
            # A new connection each time, so that the kernel spreads them over the workers.
            assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        assert requests_counted(requests.get(f"{base}/metrics", timeout=5).text, "/healthz") == 40
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(timeout=60)
        if issuer is not None:
            issuer.send_signal(signal.SIGTERM)
            issuer.wait(timeout=60)
    assert status == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
