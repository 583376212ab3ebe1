"""Issue 22's rows, on `auth-server serve` as a user starts it (no flags: as many workers as
the CPUs it may use): (i) client credentials, (f) the refresh grant with every request
rotating its own family, (g) the authorization-code exchange; then, on a fresh database whose
signing keys are Ed25519, (h) client credentials."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jwt

from devtools.bench.deployment import (
    Deployment,
    RegisteredClient,
    database_url,
    fetch_token,
    metadata,
    new_deployment,
    register_client,
)
from devtools.bench.grants import WebApp, code_pool, create_web_app, refresh_pool
from devtools.bench.runner import Case, Options, Runner
from devtools.bench.services import Service
from devtools.bench.targets import (
    CODE,
    DEFAULT_SERVE,
    EDDSA,
    GUNICORN,
    REFRESH,
    TOKEN,
    Measurement,
)
from devtools.bench.wrk import Load
from shared.cpus import usable_cpus

TOKEN_CONNECTIONS = (4, 64)
FORM_TYPE = ("Content-Type", "application/x-www-form-urlencoded")
GRANT_CONNECTIONS = 64
MIN_GRANT_POOL, MAX_GRANT_POOL = 2_000, 20_000
# (f) and (g) are expected at about half the client-credentials rate; the pool lasts the
# warm-up and the measurement at 1.2x that.
GRANT_SHARE = 0.6


def run_default(runner: Runner, deployment: Deployment, client: RegisteredClient) -> None:
    """(i), then (f) and (g), on one `serve` with no flags."""
    only = runner.options.only
    env, url = deployment.env, deployment.auth_url
    workers = usable_cpus()
    with runner.supervisor.running_default("auth_server", env, url, workers) as auth:
        document = metadata(url)
        if DEFAULT_SERVE in only:
            label = "token, client_credentials, `serve` with no flags"
            _client_credentials(runner, auth, deployment, document, client, DEFAULT_SERVE, label)
        if not {REFRESH, CODE} & only:
            return
        app = create_web_app(deployment)
        if REFRESH in only:
            _refresh(runner, auth, deployment, document, app)
        if CODE in only:
            _code_exchange(runner, auth, deployment, document, app)


def run_gunicorn(runner: Runner, deployment: Deployment, client: RegisteredClient) -> None:
    """(k): (i)'s load on the same deployment, served by gunicorn's aiohttp worker with as
    many workers, to weigh `serve`'s own supervisor against it (issue 22)."""
    workers = usable_cpus()
    host_port = deployment.auth_url.removeprefix("http://")
    command = [
        sys.executable, "-m", "gunicorn", "devtools.bench.gunicorn_app:app",
        "--worker-class", "aiohttp.GunicornUVLoopWebWorker", "--workers", str(workers),
        "--bind", host_port, "--log-level", "warning", "--graceful-timeout", "10",
    ]  # fmt: skip
    env = {**deployment.env, "BENCH_WORKERS": str(workers)}
    url = deployment.auth_url
    with runner.supervisor.running("gunicorn", command, env, url, workers) as auth:
        label = "token, client_credentials, gunicorn's aiohttp worker (beside (i))"
        _client_credentials(runner, auth, deployment, metadata(url), client, GUNICORN, label)


def run_eddsa(runner: Runner, database: str) -> None:
    """(h): a deployment of its own, whose first key is Ed25519, started with no flags."""
    options = runner.options
    with database_url(database, options.workdir, "eddsa") as url:
        data_dir = options.workdir / f"data-eddsa-{database}"
        data_dir.mkdir()
        deployment = new_deployment(
            database, url, data_dir, options.log_level, AUTH_SIGNING_ALG="EdDSA"
        )
        env, auth_url = deployment.env, deployment.auth_url
        with runner.supervisor.running_default("auth_server", env, auth_url, usable_cpus()) as auth:
            client = register_client(deployment)
            document = metadata(auth_url)
            token = fetch_token(document["token_endpoint"], client)
            if jwt.get_unverified_header(token)["alg"] != "EdDSA":
                raise RuntimeError("AUTH_SIGNING_ALG=EdDSA issued a token not signed with EdDSA")
            label = "token, client_credentials, EdDSA, `serve` with no flags"
            _client_credentials(runner, auth, deployment, document, client, EDDSA, label)


def _client_credentials(
    runner: Runner,
    auth: Service,
    deployment: Deployment,
    document: dict[str, str],
    client: RegisteredClient,
    scenario: str,
    label: str,
) -> None:
    headers = (FORM_TYPE, ("Authorization", client.basic))
    load = Load(document["token_endpoint"], "POST", headers, "grant_type=client_credentials")
    for connections in TOKEN_CONNECTIONS:
        case = Case(scenario, label, auth.workers, connections, deployment.database)
        runner.measure(case, load, auth)


def grant_pool_size(options: Options, measurements: list[Measurement], database: str) -> int:
    """Codes or families for (f) and (g): the pool lasts warm-up and measurement at 1.2x the
    expected rate, judged from client credentials at 64 connections on this database."""
    rates = [
        m.result.rps
        for m in measurements
        if m.scenario in (TOKEN, DEFAULT_SERVE) and m.database == database and m.connections == 64
    ]
    rate = GRANT_SHARE * max(rates, default=1_000.0)
    wanted = int(1.2 * rate * (options.warm + options.measure))
    return max(MIN_GRANT_POOL, min(MAX_GRANT_POOL, wanted))


def _prepared(kind: str, count: int, started: float) -> None:
    seconds = time.monotonic() - started
    print(f"  prepared {count:,} {kind} in {seconds:.1f} s", file=sys.stderr, flush=True)


def _grant_load(document: dict[str, str], app: WebApp, pool: Path) -> Load:
    headers = (FORM_TYPE, ("Authorization", app.client.basic))
    return Load(document["token_endpoint"], "POST", headers, body_file=pool)


def _refresh(
    runner: Runner, auth: Service, deployment: Deployment, document: dict[str, str], app: WebApp
) -> None:
    """(f) each request rotates a family of its own, from families made before the run."""
    label = "refresh grant, each request its own family"
    _grant(runner, auth, deployment, document, app, REFRESH, label, "refresh-token families")


def _code_exchange(
    runner: Runner, auth: Service, deployment: Deployment, document: dict[str, str], app: WebApp
) -> None:
    """(g) each request exchanges a code made through the real authorization endpoint."""
    label = "authorization-code exchange"
    _grant(runner, auth, deployment, document, app, CODE, label, "authorization codes")


def _grant(
    runner: Runner,
    auth: Service,
    deployment: Deployment,
    document: dict[str, str],
    app: WebApp,
    scenario: str,
    label: str,
    kind: str,
) -> None:
    """A pool of refresh tokens or codes made just before the measurement, each sent once."""
    count = grant_pool_size(runner.options, runner.measurements, deployment.database)
    started = time.monotonic()
    make_pool = refresh_pool if scenario == REFRESH else code_pool
    name = "refresh" if scenario == REFRESH else "codes"
    path = runner.options.workdir / f"{name}-{deployment.database}.txt"
    make_pool(document, app, count, path)
    _prepared(kind, count, started)
    case = Case(scenario, label, auth.workers, GRANT_CONNECTIONS, deployment.database)
    runner.measure(case, _grant_load(document, app, path), auth, pool=count)
