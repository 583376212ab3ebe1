"""What a client of the compose.yaml deployment sees through the proxy, checked part by part
(tests/test_behind_the_proxy.py runs them on one stack, which takes a while to start)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import subprocess
import threading
import time
from typing import Any
from urllib.parse import urlencode

import requests

from tests.documentation import walkthrough
from tests.people import PASSWORD, REDIRECT_URI, submit
from tests.proxied import Stack

LOAD_THREADS = 4


def metadata(stack: Stack) -> dict[str, Any]:
    answer = requests.get(f"{stack.auth}/.well-known/oauth-authorization-server", timeout=5)
    document: dict[str, Any] = answer.json()
    return document


def new_client(stack: Stack, name: str, scope: str, *extra: str) -> tuple[str, str]:
    created = stack.operator.cli_json("client", "create", "--name", name, "--scope", scope, *extra)
    return created["client_id"], created["client_secret"]


def token_for(stack: Stack, credentials: tuple[str, str]) -> str:
    issued = requests.post(
        metadata(stack)["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=credentials,
        timeout=5,
    )
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["access_token"]
    return token


def check_tokens_and_accounts(stack: Stack) -> None:
    """Tokens from the proxy's issuer work at both resource replicas; /metrics stays inside."""
    assert metadata(stack)["issuer"] == stack.auth
    bearer = {"Authorization": f"Bearer {token_for(stack, new_client(stack, 'app', 'read write'))}"}
    stored = requests.put(f"{stack.resource}/account", json={"n": 1}, headers=bearer, timeout=5)
    assert stored.status_code == 200, stored.text
    for replica in stack.resource_replicas:
        read = requests.get(f"{replica}/account", headers=bearer, timeout=5)
        assert read.json()["data"] == {"n": 1}
    for public, inside in (
        (stack.auth, stack.auth_replicas[1]),
        (stack.resource, stack.resource_replicas[0]),
    ):
        assert requests.get(f"{public}/metrics", timeout=5).status_code == 404
        assert requests.get(f"{inside}/metrics", timeout=5).status_code == 200


def check_walkthrough(stack: Stack) -> None:
    """The README's walkthrough, pasted with the proxy's URLs and two fresh clients."""
    full, read_only = new_client(stack, "demo", "read write"), new_client(stack, "ro", "read")
    script = (
        walkthrough()
        .replace("'RO_ID:RO_SECRET'", "'{}:{}'".format(*read_only))
        .replace("'ID:SECRET'", "'{}:{}'".format(*full))
        .replace("http://127.0.0.1:8000", stack.auth)
        .replace("http://127.0.0.1:8001", stack.resource)
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    read, stored, refused = result.stdout.strip().splitlines()
    assert json.loads(read)["scope"] == "read write"
    assert json.loads(stored)["data"] == {"nickname": "demo"}
    assert refused.endswith("HTTP 403")


def person(address: str) -> requests.Session:
    """A browser whose requests reach the proxy from `address` (through a CDN in front)."""
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = address
    return browser


def authorization_url(stack: Stack, client_id: str) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "read",
        "state": "s",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    return f"{metadata(stack)['authorization_endpoint']}?{urlencode(query)}"


def check_sign_in_throttle_is_per_address(stack: Stack) -> None:
    """25 failed sign-ins for alice from one forwarded address: that address is stopped after
    5 (the per-username-and-address limit), and alice still signs in from another forwarded
    address: no one can lock her out (SPEC "Behind proxies")."""
    stack.operator.cli("user", "create", "alice", "--password-stdin", stdin=PASSWORD)
    client_id, _ = new_client(stack, "web", "read", "--redirect-uri", REDIRECT_URI)
    url = authorization_url(stack, client_id)
    attacker = person("203.0.113.66")
    login = attacker.get(url, allow_redirects=False)

    def guess() -> int:
        browser = person("203.0.113.66")
        browser.cookies.update(attacker.cookies)
        return submit(browser, login, username="alice", password="wrong").status_code

    assert [guess() for _ in range(25)] == [401] * 5 + [429] * 20
    victim = person("198.51.100.7")
    login = victim.get(url, allow_redirects=False)
    consent = submit(victim, login, username="alice", password=PASSWORD)
    assert consent.status_code == 200, consent.text
    assert "Allow" in consent.text


def check_revocation_reaches_both_resource_servers(stack: Stack, bound: float = 15) -> float:
    """A revoked token is refused by every resource replica within `bound` seconds."""
    credentials = new_client(stack, "revoked", "read")
    token = token_for(stack, credentials)
    bearer = {"Authorization": f"Bearer {token}"}
    for replica in stack.resource_replicas:
        assert requests.get(f"{replica}/account", headers=bearer, timeout=5).status_code == 200
    revocation = metadata(stack)["revocation_endpoint"]
    assert requests.post(revocation, data={"token": token}, auth=credentials, timeout=5).ok
    revoked_at, pending = time.monotonic(), set(stack.resource_replicas)
    while pending:
        assert time.monotonic() - revoked_at < bound, f"still accepted at {pending}"
        for replica in list(pending):
            if requests.get(f"{replica}/account", headers=bearer, timeout=5).status_code == 401:
                pending.remove(replica)
        time.sleep(0.2)
    return time.monotonic() - revoked_at


def check_an_auth_server_killed_mid_load(stack: Stack) -> None:
    """Token requests keep flowing through the proxy while one auth server is SIGKILLed: only
    requests in flight on it at that moment may fail; the proxy retries the others."""
    credentials = new_client(stack, "load", "read")
    endpoint = metadata(stack)["token_endpoint"]
    results: list[tuple[float, int]] = []
    stop = threading.Event()

    def load() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    form = {"grant_type": "client_credentials"}
                    status = session.post(endpoint, data=form, auth=credentials, timeout=10)
                    code = status.status_code
                    # Only Caddy answers 503 with no body; ours is temporarily_unavailable JSON.
                    results.append((started, -code if code == 503 and status.content else code))
                except requests.RequestException:
                    results.append((started, 0))

    threads = [threading.Thread(target=load) for _ in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    killed_at = time.monotonic()
    stack.auth_processes[0].kill()
    time.sleep(3.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    # 502: Caddy lost the connection to the killed process (the requests in flight on it).
    lost = [(round(started - killed_at, 3), s) for started, s in results if s not in (200, 503)]
    assert len(lost) <= LOAD_THREADS, f"{lost} lost of {len(results)} (s after the kill, status)"
    # 503 with no body: Caddy 2.6 (Debian's) found no upstream available for a moment while it
    # marked the killed one down; seen for 1-6 requests in a thousand, never from our servers.
    # Tolerated here up to 1%, and named in docs/operating.md.
    unavailable = [started for started, status in results if status == 503]
    assert len(unavailable) <= len(results) // 100, f"{len(unavailable)} answered 503"
    after = [started for started, status in results if started > killed_at and status == 200]
    assert len(after) >= 20, "the surviving auth server did not take the load"
