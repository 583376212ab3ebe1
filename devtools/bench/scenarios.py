"""Issue 8's scenarios, in an order that starts each process once: the ceilings, then per
database (a) the token endpoint, (e) its documents, (d) the account API, (b) a protected
hello, and last (c) a protected hello with a fresh token on every request."""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from devtools.bench.deployment import (
    Deployment,
    RegisteredClient,
    fetch_token,
    metadata,
    register_client,
)
from devtools.bench.proofs import ProofSigner, fetch_dpop_token, mint_proofs
from devtools.bench.runner import Case, Runner
from devtools.bench.services import Service, free_port
from devtools.bench.targets import (
    ACCOUNT,
    DOCUMENTS,
    DPOP,
    FORM,
    FRESH_TOKENS,
    GUARDED_PUBLIC,
    HELLO,
    NAIVE_DECODE,
    PROTECTED,
    TOKEN,
)
from devtools.bench.tokens import jwks_server, mint_pool, new_minting
from devtools.bench.wrk import Load

WORKERS = (1, 2)
TOKEN_CONNECTIONS = (4, 64)
FORM_TYPE = ("Content-Type", "application/x-www-form-urlencoded")
BENCH_ISSUER = "http://bench-issuer.invalid"
BENCH_AUDIENCE = "http://bench-resource.invalid"
FRESH_TARGET = 0.5
MIN_POOL = 10_000


def bench_app_command(runner: Runner, port: int, workers: int, *guard: str) -> list[str]:
    """`python -m devtools.bench.launch bench_app ...`, guarded when `guard` names an issuer."""
    return [
        sys.executable, "-m", "devtools.bench.launch", "bench_app",
        "--workers", str(workers), "--port", str(port),
        "--log-level", runner.options.log_level, *guard,
    ]  # fmt: skip


def run_ceilings(runner: Runner, env: dict[str, str], *, again: bool = False) -> None:
    """Hello-world and form POST on the bench app, at each worker count; `again` (at the
    end of a run): hello-world alone, a second reading of the ceiling the ratios use."""
    connections = runner.options.connections
    for workers in WORKERS:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = bench_app_command(runner, port, workers)
        name = f"bench-app-w{workers}" + ("-again" if again else "")
        with runner.supervisor.running(name, command, env, url, workers) as app:
            label = "ceiling: hello-world" + (", again at the end" if again else "")
            runner.measure(Case(HELLO, label, workers, connections), Load(f"{url}/hello"), app)
            if again:
                continue
            form = Case(FORM, "ceiling: form POST", workers, connections)
            body = "grant_type=client_credentials&scope=read"
            runner.measure(form, Load(f"{url}/form", "POST", (FORM_TYPE,), body), app)


def run_deployment(runner: Runner, deployment: Deployment, first: bool) -> None:
    """Every scenario on the real services of one database, at each worker count."""
    client: RegisteredClient | None = None
    env, auth_url = deployment.env, deployment.auth_url
    for workers in WORKERS:
        with runner.supervisor.running_service("auth_server", workers, env, auth_url) as auth:
            client = client or register_client(deployment)
            document = metadata(auth_url)
            if TOKEN in runner.options.only:
                _token_endpoint(runner, auth, deployment, document["token_endpoint"], client)
            if DOCUMENTS in runner.options.only and first and workers == 1:
                _documents(runner, auth, document)
            token = fetch_token(document["token_endpoint"], client)
            if ACCOUNT in runner.options.only:
                _account(runner, deployment, workers, token)
            if PROTECTED in runner.options.only and first:
                _protected(runner, deployment, workers, token)
            if DPOP in runner.options.only and first:
                signer = ProofSigner()
                bound = fetch_dpop_token(document["token_endpoint"], client, signer)
                _dpop(runner, deployment, workers, (token, bound), signer)


def _token_endpoint(
    runner: Runner, auth: Service, deployment: Deployment, url: str, client: RegisteredClient
) -> None:
    """(a) client_credentials with client_secret_basic."""
    workers = auth.workers
    headers = (FORM_TYPE, ("Authorization", client.basic))
    load = Load(url, "POST", headers, "grant_type=client_credentials")
    for connections in TOKEN_CONNECTIONS:
        case = Case(TOKEN, "token, client_credentials", workers, connections, deployment.database)
        runner.measure(case, load, auth)


def _documents(runner: Runner, auth: Service, document: dict[str, str]) -> None:
    """(e) the JWKS and the metadata document."""
    connections = runner.options.connections
    runner.measure(Case(DOCUMENTS, "JWKS", 1, connections), Load(document["jwks_uri"]), auth)
    metadata_url = f"{auth.url}/.well-known/oauth-authorization-server"
    runner.measure(Case(DOCUMENTS, "metadata", 1, connections), Load(metadata_url), auth)


def _bearer(url: str, token: str) -> Load:
    """GET `url` with the same bearer token every time."""
    return Load(url, headers=(("Authorization", f"Bearer {token}"),))


def _account(runner: Runner, deployment: Deployment, workers: int, token: str) -> None:
    """(d) GET /account on the real resource server, one token from the real auth server."""
    env, url = deployment.env, deployment.resource_url
    with runner.supervisor.running_service("resource_server", workers, env, url) as resource:
        connections = runner.options.connections
        case = Case(ACCOUNT, "GET /account", workers, connections, deployment.database)
        runner.measure(case, _bearer(f"{url}/account", token), resource)


def _protected(runner: Runner, deployment: Deployment, workers: int, token: str) -> None:
    """(b) the bench app's /protected, trusting the real auth server, one token repeated."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    guard = ["--issuer", deployment.auth_url, "--audience", deployment.resource_url]
    command = bench_app_command(runner, port, workers, *guard)
    name = f"bench-app-protected-w{workers}"
    connections = runner.options.connections
    with runner.supervisor.running(name, command, deployment.env, url, workers) as app:
        case = Case(PROTECTED, "protected hello, one token", workers, connections)
        runner.measure(case, _bearer(f"{url}/protected", token), app)
        if workers == 1:
            label = "public hello behind the same middlewares"
            runner.measure(
                Case(GUARDED_PUBLIC, label, workers, connections), Load(f"{url}/hello"), app
            )


def _dpop(
    runner: Runner,
    deployment: Deployment,
    workers: int,
    tokens: tuple[str, str],
    signer: ProofSigner,
) -> None:
    """(f) the bench app's /protected with one DPoP-bound token and a fresh proof each request,
    beside (b), the same route with a bearer token, measured again in the same process."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    guard = ["--issuer", deployment.auth_url, "--audience", deployment.resource_url]
    command = bench_app_command(runner, port, workers, *guard)
    connections = runner.options.connections
    with runner.supervisor.running(
        f"bench-app-dpop-w{workers}", command, deployment.env, url, workers
    ) as app:
        if PROTECTED not in runner.options.only:
            case = Case(PROTECTED, "protected hello, one token", workers, connections)
            runner.measure(case, _bearer(f"{url}/protected", tokens[0]), app)
        bearer = [m.result.rps for m in runner.measurements if m.scenario == PROTECTED]
        count = max(5_000, int(1.2 * max(bearer) * (runner.options.warm + runner.options.measure)))
        count = min(count, runner.options.max_pool)
        path = runner.options.workdir / f"proofs-w{workers}.txt"
        htu = deployment.resource_url + "/protected"  # its identifier's origin: RFC 9449 §4.3
        mint_proofs(signer, htu, tokens[1], count, path)
        load = Load(
            f"{url}/protected",
            headers=(("Authorization", f"DPoP {tokens[1]}"),),
            token_file=path,
            pool_header="DPoP",
            pool_prefix="",
        )
        label = "DPoP: one token, fresh proof each request"
        runner.measure(Case(DPOP, label, workers, connections), load, app, pool=count - 1)


def pool_size(runner: Runner) -> int:
    """Tokens for (c) at one worker meeting its target (half the hello-world) with margin;
    at a higher rate the measuring time shrinks so that no token repeats."""
    options = runner.options
    hello = min((m.result.rps for m in runner.measurements if m.scenario == HELLO), default=0)
    wanted = int(1.2 * FRESH_TARGET * hello * (options.warm + options.measure))
    return max(MIN_POOL, min(options.max_pool, wanted))


def run_fresh_tokens(runner: Runner, env: dict[str, str]) -> None:
    """(c) a distinct valid token on every request, minted with the bench's own key."""
    count = pool_size(runner)
    minting, jwks = new_minting(BENCH_ISSUER, BENCH_AUDIENCE)
    path = runner.options.workdir / "tokens.txt"
    started = time.monotonic()
    mint_pool(minting, count, path)
    print(f"  minted {count:,} tokens in {time.monotonic() - started:.1f} s", file=sys.stderr)
    with jwks_server(jwks) as jwks_uri:
        for workers in WORKERS:
            _fresh_tokens(runner, env, workers, path, count, jwks_uri)


def _fresh_tokens(
    runner: Runner, env: dict[str, str], workers: int, path: Path, count: int, jwks_uri: str
) -> None:
    """(c) at one worker count: a fresh bench app, so that no token is in its cache yet."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    guard = ["--issuer", BENCH_ISSUER, "--audience", BENCH_AUDIENCE, "--jwks-uri", jwks_uri]
    command = bench_app_command(runner, port, workers, *guard)
    name = f"bench-app-fresh-w{workers}"
    with runner.supervisor.running(name, command, env, url, workers) as app:
        # The last token proves the pool valid; wrk never reaches it unless the pool runs out.
        last = path.read_text().rsplit("\n", 2)[-2]
        check_accepted(f"{url}/protected", last)
        label = "protected hello, new token each request"
        case = Case(FRESH_TOKENS, label, workers, runner.options.connections)
        runner.measure(case, Load(f"{url}/protected", token_file=path), app, pool=count - 1)
        if workers == 1:
            # pyjwt keeps nothing between requests, so tokens may repeat here: no pool limit.
            label = "naive pyjwt.decode, new token each request"
            naive = Case(NAIVE_DECODE, label, workers, runner.options.connections)
            runner.measure(naive, Load(f"{url}/naive", token_file=path), app)


def check_accepted(url: str, token: str) -> None:
    """The guarded route answers 200 to this token, or the run stops here."""
    bearer = {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, headers=bearer)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        raise RuntimeError(f"{url} answered {status} to a minted token, not 200")
