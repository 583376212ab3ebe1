"""`make run`: both services on the embedded default (SQLite under ./var/), two demo clients,
the resource server's own client (so that it reads the revocation feed), a demo person,
registration open for MCP clients on loopback, and a walkthrough that works pasted as is.
Ctrl-C stops both services cleanly."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The demo reads the revocation feed more often than the default 10 s, to show it at once.
FEED_INTERVAL = 2
EXTRACT_TOKEN = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"


class Demo:
    """The two service processes and the environment they share."""

    def __init__(self, auth_port: int, resource_port: int, var: Path) -> None:
        self.auth = f"http://127.0.0.1:{auth_port}"
        self.resource = f"http://127.0.0.1:{resource_port}"
        self.env = {
            **os.environ,
            "AUTH_PORT": str(auth_port),
            "AUTH_DATA_DIR": str(var),
            "AUTH_DATABASE_URL": f"sqlite:///{var.resolve()}/auth.db",
            "AUTH_DEFAULT_AUDIENCE": self.resource,
            "RESOURCE_PORT": str(resource_port),
            "RESOURCE_ISSUER": self.auth,
            "RESOURCE_DATABASE_URL": f"sqlite:///{var.resolve()}/resource.db",
            # MCP clients register themselves, or name their metadata document (docs/mcp.md).
            "AUTH_REGISTRATION": os.environ.get("AUTH_REGISTRATION", "open"),
            "AUTH_CLIENT_ID_METADATA_DOCUMENTS": os.environ.get(
                "AUTH_CLIENT_ID_METADATA_DOCUMENTS", "https"
            ),
        }
        self.var = var
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, package: str, ready: str) -> None:
        process = subprocess.Popen([sys.executable, "-m", package, "serve"], env=self.env)
        self.processes.append(process)
        wait_ready(ready, process)

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "auth_server", *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
        )
        if result.returncode != 0:
            sys.exit(f"auth-server {' '.join(args[:2])} failed: {result.stderr.strip()}")
        return result.stdout

    def client(self, name: str, scope: str, *extra: str) -> dict[str, str]:
        """The demo client of this name with a fresh secret (secrets are shown only once)."""
        listed = json.loads(self.cli("client", "list", "--json"))
        existing = [c for c in listed if c["client_name"] == name]
        if existing:
            rotated: dict[str, str] = json.loads(
                self.cli("client", "rotate-secret", existing[0]["client_id"])
            )
            return rotated
        created = json.loads(
            self.cli("client", "create", "--name", name, "--scope", scope, *extra, "--json")
        )
        return {k: created[k] for k in ("client_id", "client_secret")}

    def person(self) -> tuple[str, str]:
        """The demo person who signs in for MCP clients; the password is kept under var/."""
        saved = self.var / "demo-person.json"
        if saved.exists():
            username, password = json.loads(saved.read_text())
            return str(username), str(password)
        password = secrets.token_urlsafe(12)
        result = subprocess.run(
            [sys.executable, "-m", "auth_server", "user", "create", "demo", "--password-stdin"],
            input=password,
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
        )
        if result.returncode != 0:
            sys.exit(f"auth-server user create failed: {result.stderr.strip()}")
        saved.touch(mode=0o600)
        saved.write_text(json.dumps(["demo", password]))
        return "demo", password

    def read_the_feed(self) -> None:
        """Give the resource server its own client (it may introspect, so it may read the
        revocation feed), through the environment: a secret never goes on a command line."""
        own = self.client("resource-server", "read", "--introspect")
        self.env |= {
            "RESOURCE_CLIENT_ID": own["client_id"],
            "RESOURCE_CLIENT_SECRET": own["client_secret"],
            "RESOURCE_REVOCATION_POLL_INTERVAL": str(FEED_INTERVAL),
        }

    def stop(self) -> None:
        """SIGTERM both (the resource server first) and wait for each to finish."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
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


def mcp_guide(demo: Demo, username: str, password: str) -> str:
    """How an MCP client connects: the discovery chain it follows from the resource URL."""
    return f"""
MCP clients: registration is open on this loopback set-up (AUTH_REGISTRATION=open) and
https client ID metadata documents are accepted (AUTH_CLIENT_ID_METADATA_DOCUMENTS=https).
Give an MCP client the resource URL {demo.resource}/account; it finds the rest:
  401 -> {demo.resource}/.well-known/oauth-protected-resource
      -> {demo.auth}/.well-known/oauth-authorization-server
      -> {demo.auth}/register (or its metadata document's URL as client_id)
      -> {demo.auth}/authorize (sign in as '{username}', password '{password}')
      -> {demo.auth}/token, and the call with the token. Details: docs/mcp.md.
"""


def walkthrough(demo: Demo, full: dict[str, str], read_only: dict[str, str]) -> str:
    token_request = f"curl -s -d grant_type=client_credentials {demo.auth}/token -u"
    account = f"{demo.resource}/account"
    ro_credentials = f"{read_only['client_id']}:{read_only['client_secret']}"
    return f"""
Both services are running on SQLite under ./var/:
  authorization server  {demo.auth}   (metadata: {demo.auth}/.well-known/oauth-authorization-server)
  resource server       {demo.resource}   (its protected account API)

Two demo clients: '{full["client_id"]}' (scope "read write") and '{read_only["client_id"]}'
(scope "read"). Paste these lines into another terminal:

# 1. An access token for the read-write client (client credentials grant):
TOKEN=$({token_request} '{full["client_id"]}:{full["client_secret"]}' | {EXTRACT_TOKEN})

# 2. Read the client's own account (its subject is the client id):
curl -s -H "Authorization: Bearer $TOKEN" {account}; echo

# 3. Store something in it:
curl -s -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
  -d '{{"nickname": "demo"}}' {account}; echo

# 4. A read-only token may read but not write: 403 insufficient_scope.
RO_TOKEN=$({token_request} '{ro_credentials}' | {EXTRACT_TOKEN})
curl -s -X PUT -H "Authorization: Bearer $RO_TOKEN" -H 'Content-Type: application/json' \\
  -d '{{"nickname": "nope"}}' -w ' HTTP %{{http_code}}\\n' {account}

Signing in users (authorization code + PKCE) is shown in docs/authorization-code.md.

Revocation reaches the resource server within seconds (it reads the issuer's revocation feed
every {FEED_INTERVAL} s): revoke the token of step 1, and the same read is refused, 401.
curl -s -u '{full["client_id"]}:{full["client_secret"]}' -d "token=$TOKEN" {demo.auth}/revoke
sleep {FEED_INTERVAL + 1}
curl -s -H "Authorization: Bearer $TOKEN" -w ' HTTP %{{http_code}}\\n' {account}
"""


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--auth-port", type=int, default=8000)
    parser.add_argument("--resource-port", type=int, default=8001)
    parser.add_argument("--var", type=Path, default=ROOT / "var", help="where data lives")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    options.var.mkdir(parents=True, exist_ok=True)
    demo = Demo(options.auth_port, options.resource_port, options.var)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        demo.start("auth_server", f"{demo.auth}/readyz")
        full, read_only = demo.client("demo", "read write"), demo.client("demo-readonly", "read")
        demo.read_the_feed()
        demo.start("resource_server", f"{demo.resource}/readyz")
        guide = mcp_guide(demo, *demo.person())
        print(walkthrough(demo, full, read_only) + guide + "\nPress Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in demo.processes):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        demo.stop()


if __name__ == "__main__":
    sys.exit(main())
