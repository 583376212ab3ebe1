"""`make run`'s walkthrough works pasted as is, and Ctrl-C stops both services."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.services import ROOT, free_port


def read_walkthrough(demo: subprocess.Popen[str]) -> str:
    """Everything the demo prints up to its last line."""
    assert demo.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        assert line, f"the demo stopped early: {''.join(lines)}"
        lines.append(line)
        if "Press Ctrl-C" in line:
            return "".join(lines)
    raise AssertionError("no walkthrough")


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_printed_walkthrough_works_pasted_as_is(tmp_path: Path) -> None:
    auth_port, resource_port = free_port(), free_port()
    command = [sys.executable, "-m", "devtools.run_demo", "--var", str(tmp_path)]
    ports = ["--auth-port", str(auth_port), "--resource-port", str(resource_port)]
    demo = subprocess.Popen([*command, *ports], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        text = read_walkthrough(demo)
        script = text[text.index("# 1.") : text.index("Signing in users")]
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        read, stored, refused = result.stdout.strip().splitlines()
        assert json.loads(read)["data"] == {}
        assert json.loads(read)["scope"] == "read write"
        assert json.loads(stored)["data"] == {"nickname": "demo"}
        assert refused.endswith("HTTP 403")
        assert json.loads(refused.removesuffix(" HTTP 403"))["error"] == "insufficient_scope"
    finally:
        demo.send_signal(signal.SIGINT)
        status = demo.wait(timeout=60)
    assert status == 0
    assert not listening(auth_port)
    assert not listening(resource_port)
