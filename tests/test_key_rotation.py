"""Two auth-server processes and one resource server on one PostgreSQL database, under steady
load through a signing-key rotation: not one token request or resource call fails; a token
signed with the old key stays good until it expires; and an emergency rotation makes the
resource server refuse the compromised key's tokens."""

from __future__ import annotations

import base64
import itertools
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.services import (
    Deployment,
    deployment_env,
    free_port,
    register_through,
    replica_env,
    running,
)

TTL = 8  # seconds an access token lives
LOAD_THREADS = 4


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    kid: str = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    return kid


def published_kids(auth_url: str) -> set[str]:
    keys = requests.get(f"{auth_url}/jwks.json", timeout=5).json()["keys"]
    return {key["kid"] for key in keys}


def wait_for(condition: Callable[[], bool], within: float, what: str) -> float:
    """Poll until the condition holds; the seconds it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < within, f"not within {within} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - start


def issue(session: requests.Session, auth_url: str, client: tuple[str, str]) -> requests.Response:
    """A client-credentials token request."""
    data = {"grant_type": "client_credentials"}
    return session.post(f"{auth_url}/token", data=data, auth=client, timeout=5)


@dataclass
class Load:
    """Threads asking both auth replicas for tokens, round-robin, and spending each at once."""

    auth_urls: list[str]
    resource_url: str
    client: tuple[str, str]
    token_requests: int = 0
    resource_calls: int = 0
    failures: list[str] = field(default_factory=list)
    kids: dict[str, set[str]] = field(default_factory=dict)
    latest: dict[str, tuple[str, float]] = field(default_factory=dict)  # kid: (token, expiry)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def token(self, session: requests.Session, auth_url: str) -> str | None:
        response = issue(session, auth_url, self.client)
        with self.lock:
            self.token_requests += 1
            if response.status_code != 200:
                self.failures.append(f"token {response.status_code} {response.text}")
                return None
        token: str = response.json()["access_token"]
        expires = time.time() + response.json()["expires_in"]
        with self.lock:
            self.kids.setdefault(auth_url, set()).add(kid_of(token))
            self.latest[kid_of(token)] = (token, expires)
        return token

    def spend(self, session: requests.Session, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        response = session.get(f"{self.resource_url}/account", headers=headers, timeout=5)
        with self.lock:
            self.resource_calls += 1
            if response.status_code != 200:
                self.failures.append(f"account {response.status_code} {response.text}")

    def worker(self, offset: int) -> None:
        with requests.Session() as session:
            for auth_url in itertools.islice(itertools.cycle(self.auth_urls), offset, None):
                if self.stop.is_set():
                    return
                token = self.token(session, auth_url)
                if token is not None:
                    self.spend(session, token)

    @contextmanager
    def running(self) -> Iterator[Load]:
        threads = [threading.Thread(target=self.worker, args=(n,)) for n in range(LOAD_THREADS)]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=10)


@contextmanager
def two_auth_replicas_and_a_resource_server(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[Deployment, list[str]]]:
    """The deployment, with short key timings; its environment and both auth replicas' URLs."""
    env, _, audience = deployment_env(database_url, tmp_path)
    ports = [free_port(), free_port()]
    issuer = f"http://127.0.0.1:{ports[0]}"
    env |= {
        "AUTH_ISSUER": issuer,
        "AUTH_JWKS_MAX_AGE": "2",
        "AUTH_KEY_PUBLISH_DELAY": "2",
        "AUTH_ACCESS_TOKEN_TTL": str(TTL),
        "RESOURCE_ISSUER": issuer,
        "RESOURCE_IDENTIFIER": audience,
        "RESOURCE_JWKS_COOLDOWN": "1",
        "RESOURCE_LEEWAY": "0",
    }
    auth_urls = [f"http://127.0.0.1:{port}" for port in ports]
    with ExitStack() as stack:
        for port, url in zip(ports, auth_urls, strict=True):
            # One process per replica: the test follows each replica's key ring by its URL.
            command = [sys.executable, "-m", "auth_server", "serve", "--workers", "1"]
            stack.enter_context(running(command, replica_env(env, AUTH_PORT=port), url + "/readyz"))
        command = [sys.executable, "-m", "resource_server", "serve", "--workers", "1"]
        stack.enter_context(running(command, env, f"{audience}/readyz"))
        yield Deployment(issuer, audience, env), auth_urls


def account_status(resource_url: str, token: str) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"}
    response = requests.get(f"{resource_url}/account", headers=headers, timeout=5)
    return response.status_code, response.headers.get("WWW-Authenticate", "")


def token_of(auth_url: str, credentials: tuple[str, str]) -> str:
    response = issue(requests.Session(), auth_url, credentials)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def rotate_under_load(
    deployment: Deployment, urls: list[str], credentials: tuple[str, str], old_kid: str
) -> tuple[str, tuple[str, float]]:
    """`keys rotate` while both replicas serve steady load; the new key's kid, and the last
    token the old key signed with its expiry."""
    load = Load(urls, deployment.resource_url, credentials)
    with load.running():
        time.sleep(1)
        rotation = deployment.cli_json("keys", "rotate")
        new_kid: str = rotation["key"]["kid"]
        assert rotation["key"]["state"] == "next"
        # SPEC: published at every replica within 5 s, signing only after the delay.
        published_in = wait_for(
            lambda: all(new_kid in published_kids(url) for url in urls), 5, "published"
        )
        assert all(load.kids[url] == {old_kid} for url in urls)
        wait_for(lambda: all(new_kid in load.kids.get(url, ()) for url in urls), 8, "signing")
        time.sleep(1)
    assert load.failures == [], load.failures[:5]
    assert load.token_requests > 100
    assert load.resource_calls == load.token_requests
    assert rotation["key"]["signing_from"] - rotation["key"]["created_at"] >= 2
    print(
        f"\nrotation: {load.token_requests} token requests, {load.resource_calls} resource"
        f" calls, 0 failures; new key published everywhere in {published_in:.1f} s"
    )
    return new_kid, load.latest[old_kid]


def emergency(
    deployment: Deployment, urls: list[str], credentials: tuple[str, str], kids: set[str]
) -> None:
    """`keys rotate --emergency`: the compromised key's tokens are refused within the
    cooldown (1 s) plus a replica's reload (1 s); the fresh key's are accepted."""
    compromised = token_of(urls[0], credentials)
    assert account_status(deployment.resource_url, compromised)[0] == 200  # and cached
    fresh_kid = deployment.cli_json("keys", "rotate", "--emergency")["key"]["kid"]

    def refused() -> bool:
        for url in urls:  # new tokens reach the resource server, whose refetch drops the key
            account_status(deployment.resource_url, token_of(url, credentials))
        status, challenge = account_status(deployment.resource_url, compromised)
        return status == 401 and 'error="invalid_token"' in challenge

    refused_in = wait_for(refused, 3, "the compromised key's token refused")
    retired = kids - {kid_of(compromised)}

    def reloaded() -> bool:
        return all(published_kids(url) == retired | {fresh_kid} for url in urls)

    wait_for(reloaded, 3, "every replica publishes the retired and the fresh key only")
    fresh = token_of(urls[1], credentials)
    assert kid_of(fresh) == fresh_kid
    assert account_status(deployment.resource_url, fresh)[0] == 200
    print(f"emergency: the compromised key's token refused after {refused_in:.1f} s")


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_rotation_under_load_then_emergency(database_url: str, tmp_path: Path) -> None:
    with two_auth_replicas_and_a_resource_server(database_url, tmp_path) as (deployment, urls):
        client = register_through(urls[0], deployment.env)
        credentials = (client["client_id"], client["client_secret"])
        old_kid = kid_of(token_of(urls[1], credentials))

        new_kid, (old_token, old_expires) = rotate_under_load(
            deployment, urls, credentials, old_kid
        )

        # The old key is retired but still published: its tokens are good until they expire.
        assert {old_kid, new_kid} <= published_kids(urls[0])
        assert time.time() < old_expires - 1, "the old key's last token expired already"
        assert account_status(deployment.resource_url, old_token)[0] == 200
        wait_for(lambda: time.time() > old_expires + 0.5, TTL + 1, "old token expiry")
        assert account_status(deployment.resource_url, old_token)[0] == 401

        emergency(deployment, urls, credentials, {old_kid, new_kid})
