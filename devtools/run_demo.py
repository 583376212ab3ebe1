"""`make run`: start the services on the embedded default, register demo clients, show how."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

AUTH = "http://127.0.0.1:8000"
ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "auth_server", *args], capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        sys.exit(f"auth-server {' '.join(args[:2])} failed: {result.stderr.strip()}")
    return result.stdout


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with status {process.returncode}; see its log above")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not become ready within {timeout:.0f} s")


def demo_client(name: str, scope: str) -> dict[str, str]:
    """The demo client of this name with a fresh secret (secrets are shown only once)."""
    existing = [c for c in json.loads(cli("client", "list", "--json")) if c["client_name"] == name]
    if existing:
        rotated: dict[str, str] = json.loads(
            cli("client", "rotate-secret", existing[0]["client_id"])
        )
        return rotated
    created = cli("client", "create", "--name", name, "--scope", scope, "--json")
    return {k: v for k, v in json.loads(created).items() if k in ("client_id", "client_secret")}


def walkthrough(client: dict[str, str]) -> str:
    credentials = f"{client['client_id']}:{client['client_secret']}"
    return f"""
Auth server ready at {AUTH} (SQLite in ./var/). Demo client '{client["client_id"]}'.

Get an access token (client credentials):

  curl -s -u '{credentials}' -d grant_type=client_credentials {AUTH}/token

The token is an RS256 JWT (RFC 9068); its keys are at {AUTH}/jwks.json.
Press Ctrl-C to stop.
"""


def main() -> int:
    os.chdir(ROOT)
    auth = subprocess.Popen([sys.executable, "-m", "auth_server", "serve"], cwd=ROOT)
    try:
        wait_ready(f"{AUTH}/readyz", auth)
        client = demo_client("demo", "read write")
        print(walkthrough(client), flush=True)
        auth.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if auth.poll() is None:
            auth.send_signal(signal.SIGTERM)
        auth.wait(timeout=40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
