"""`make run`'s walkthrough is the README's, its commands work pasted as is (the README's run
verbatim, the demo's credentials in its placeholders), and Ctrl-C stops both services."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.documentation import walkthrough
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


def commands(script: str) -> list[str]:
    """The lines of a shell script that do something: no comments, no blank lines."""
    return [line for line in script.splitlines() if line.strip() and not line.startswith("#")]


def readme_commands(printed: str, auth_port: int, resource_port: int) -> str:
    """The README's walkthrough with the demo's credentials and ports in its placeholders."""
    full, read_only = re.findall(r"-u '([^']+)'", printed)
    return (
        walkthrough()
        .replace("'RO_ID:RO_SECRET'", f"'{read_only}'")
        .replace("'ID:SECRET'", f"'{full}'")
        .replace("http://127.0.0.1:8000", f"http://127.0.0.1:{auth_port}")
        .replace("http://127.0.0.1:8001", f"http://127.0.0.1:{resource_port}")
    )


def run_walkthrough(script: str) -> None:
    """Run the walkthrough in bash and check what each step answered."""
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


def assert_open_to_mcp_clients(printed: str, auth_port: int) -> None:
    """make run opens registration on loopback and says how an MCP client connects."""
    assert "MCP clients:" in printed
    url = f"http://127.0.0.1:{auth_port}/.well-known/oauth-authorization-server"
    with urllib.request.urlopen(url, timeout=5) as response:
        metadata = json.load(response)
    assert metadata["registration_endpoint"] == f"http://127.0.0.1:{auth_port}/register"
    assert metadata["client_id_metadata_document_supported"] is True


def printed_revocation(text: str, printed: str) -> str:
    """Step 1 (the token), then the printed lines that revoke it and read again."""
    after = text[text.index("Revocation reaches") : text.index("Press Ctrl-C")]
    (token_line,) = [line for line in printed.splitlines() if line.startswith("TOKEN=")]
    steps = [line for line in after.splitlines() if line.startswith(("curl", "sleep"))]
    return "\n".join([token_line, *steps])


def run_revocation(script: str) -> None:
    """The revoked token is refused within the demo's feed interval."""
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    refused = result.stdout.strip().splitlines()[-1]
    assert refused.endswith("HTTP 401"), result.stdout
    assert json.loads(refused.removesuffix(" HTTP 401"))["error"] == "invalid_token"


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_printed_and_documented_walkthrough_works_pasted_as_is(tmp_path: Path) -> None:
    auth_port, resource_port = free_port(), free_port()
    command = [sys.executable, "-m", "devtools.run_demo", "--var", str(tmp_path)]
    ports = ["--auth-port", str(auth_port), "--resource-port", str(resource_port)]
    demo = subprocess.Popen([*command, *ports], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        text = read_walkthrough(demo)
        printed = text[text.index("# 1.") : text.index("Signing in users")]
        documented = readme_commands(printed, auth_port, resource_port)
        assert commands(documented) == commands(printed)  # so running one runs both
        run_walkthrough(documented)
        assert_open_to_mcp_clients(text, auth_port)
        run_revocation(printed_revocation(text, printed))
    finally:
        demo.send_signal(signal.SIGINT)
        status = demo.wait(timeout=60)
    assert status == 0
    assert not listening(auth_port)
    assert not listening(resource_port)
