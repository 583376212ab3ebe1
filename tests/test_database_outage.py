"""The database goes away under load and comes back: requests that need it answer 503 JSON
quickly instead of hanging, what needs no database keeps working, the services recover
without a restart, and no rotation is left half-done."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tests.people import PASSWORD, REDIRECT_URI, approve
from tests.pg_cluster import Cluster, binaries, private_cluster
from tests.services import Deployment, deployed

pytestmark = pytest.mark.skipif(binaries() is None, reason="initdb and pg_ctl are not installed")

# A request that needs the database must be answered within this many seconds during an outage.
ANSWER_BOUND = 5.0


@dataclass
class Load:
    """Requests sent in a loop by a thread, each outcome recorded."""

    outcomes: list[tuple[str, int, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, name: str, send: requests.Session, method: str, url: str, **kw: object) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                response = send.request(method, url, timeout=30, **kw)  # type: ignore[arg-type]
            except requests.RequestException as exc:
                self.failures.append(f"{name}: {exc.__class__.__name__}")
                continue
            elapsed = time.monotonic() - started
            self.outcomes.append((name, response.status_code, elapsed))
            if response.status_code not in (200, 503):
                self.failures.append(f"{name}: {response.status_code} {response.text[:200]}")
            elif response.status_code == 503:
                body = response.json()
                if body.get("error") != "temporarily_unavailable":
                    self.failures.append(f"{name}: 503 without temporarily_unavailable: {body}")
            time.sleep(0.02)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with private_cluster() as running:
        yield running


@pytest.fixture
def deployment(cluster: Cluster, tmp_path: Path) -> Iterator[Deployment]:
    with deployed(cluster.url, tmp_path) as running:
        yield running


def status(url: str) -> int:
    return requests.get(url, timeout=10).status_code


def test_an_outage_answers_503_quickly_and_heals_without_a_restart(
    cluster: Cluster, deployment: Deployment
) -> None:
    client = deployment.cli_json("client", "create", "--name", "load", "--scope", "read write")
    credentials = (client["client_id"], client["client_secret"])
    token_url = f"{deployment.auth_url}/token"
    grant = {"grant_type": "client_credentials"}
    token = requests.post(token_url, data=grant, auth=credentials, timeout=5).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    account = f"{deployment.resource_url}/account"

    load = Load()
    workers = [
        threading.Thread(
            target=load.run,
            args=("token", requests.Session(), "POST", token_url),
            kwargs={"data": grant, "auth": credentials},
        ),
        threading.Thread(
            target=load.run,
            args=("account", requests.Session(), "GET", account),
            kwargs={"headers": bearer},
        ),
    ]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1.0)
        cluster.stop("immediate")
        outage_started = len(load.outcomes)
        time.sleep(3.0)
        # Served from memory, so unaffected: the keys and the metadata.
        assert status(f"{deployment.auth_url}/jwks.json") == 200
        assert status(f"{deployment.auth_url}/.well-known/oauth-authorization-server") == 200
        assert status(f"{deployment.auth_url}/readyz") == 503
        assert status(f"{deployment.resource_url}/readyz") == 503
        during = load.outcomes[outage_started:]
        cluster.start()
        healed_by = wait_for_success(load, deadline=15.0)
    finally:
        load.stop.set()
        for worker in workers:
            worker.join()

    assert not load.failures, load.failures[:5]
    assert {name for name, code, _ in during if code == 503} == {"token", "account"}
    assert max(elapsed for _, _, elapsed in during) < ANSWER_BOUND
    assert healed_by < 15.0
    assert status(f"{deployment.auth_url}/readyz") == 200
    assert status(f"{deployment.resource_url}/readyz") == 200


def wait_for_success(load: Load, deadline: float) -> float:
    """Seconds until both kinds of request succeed again after the database is back."""
    started, seen = time.monotonic(), len(load.outcomes)
    while time.monotonic() - started < deadline:
        recent = load.outcomes[seen:]
        if {name for name, code, _ in recent if code == 200} == {"token", "account"}:
            return time.monotonic() - started
        time.sleep(0.1)
    return deadline


def test_a_refresh_cut_off_by_the_outage_leaves_the_old_token_usable(
    cluster: Cluster, deployment: Deployment
) -> None:
    refresh_token, client = sign_in(deployment)
    token_url = f"{deployment.auth_url}/token"
    cluster.stop("immediate")
    cut_off = requests.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, **client},
        timeout=30,
    )
    assert cut_off.status_code == 503
    assert cut_off.json()["error"] == "temporarily_unavailable"
    assert "Retry-After" in cut_off.headers
    cluster.start()
    for _ in range(100):
        retried = requests.post(
            token_url,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token, **client},
            timeout=30,
        )
        if retried.status_code != 503:
            break
        time.sleep(0.1)
    assert retried.status_code == 200, retried.text
    assert retried.json()["refresh_token"] != refresh_token


def sign_in(deployment: Deployment) -> tuple[str, dict[str, str]]:
    """A user's refresh token for a public client, through the real pages."""
    deployment.cli_json("user", "create", "bob", "--password-stdin", stdin=PASSWORD)
    registration = ["--name", "app", "--redirect-uri", REDIRECT_URI, "--scope", "read", "--public"]
    client = deployment.cli_json("client", "create", *registration)
    session = OAuth2Session(
        client["client_id"],
        scope="read",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    metadata = requests.get(
        f"{deployment.auth_url}/.well-known/oauth-authorization-server", timeout=5
    ).json()
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier
    )
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=approve(url, "bob"),
        code_verifier=verifier,
    )
    return token["refresh_token"], {"client_id": client["client_id"]}
