"""The fuzzing campaign's pieces: the two services as processes, the credentials they are
fuzzed with, and how each generated case is authenticated and checked."""

from __future__ import annotations

import asyncio
import base64
import http.cookiejar
import os
import secrets
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_plus

import asyncpg
import pytest
import requests
import schemathesis
from requests.structures import CaseInsensitiveDict

import auth_server
import auth_server.openapi
import resource_server
import resource_server.openapi
from auth_server.endpoints.metadata import JWKS_PATH
from tests.conftest import with_query
from tests.services import Deployment, deployment_env, running

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))  # per operation and generation phase
SEED = int(os.environ.get("FUZZ_SEED", "20261128"))
DATABASE = os.environ.get("FUZZ_DATABASE", "sqlite")  # or postgresql
REDIRECT_URI = "http://127.0.0.1:5000/callback"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
# Everything the two documents depend on: the same for the documents and the processes.
IDENTITY = {
    "AUTH_ISSUER": "http://auth.fuzz.test",
    "AUTH_DEFAULT_AUDIENCE": "http://resource.fuzz.test",
    "AUTH_REGISTRATION_TOKEN": secrets.token_urlsafe(32),
    "RESOURCE_IDENTIFIER": "http://resource.fuzz.test",
    "RESOURCE_ISSUER": "http://auth.fuzz.test",
}
AUTH_DOCUMENT = auth_server.openapi.openapi_document(
    auth_server.Settings.from_env({**os.environ, **IDENTITY})
)
RESOURCE_DOCUMENT = resource_server.openapi.openapi_document(
    resource_server.Settings.from_env({**os.environ, **IDENTITY})
)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]
Case = schemathesis.Case[Any]


def _schema(document: dict[str, Any]) -> schemathesis.BaseSchema:
    config = {"seed": SEED, "generation": {"max-examples": EXAMPLES, "database": "none"}}
    return schemathesis.openapi.from_dict(document, config=schemathesis.Config.from_dict(config))


auth_schema = _schema(AUTH_DOCUMENT)
resource_schema = _schema(RESOURCE_DOCUMENT)


class Credentials(NamedTuple):
    """Real credentials of every kind the two services take."""

    client_id: str
    basic: str
    access_token: str
    spare_access_token: str
    registered_client_id: str
    registration_access_token: str


def served_document(url: str) -> Any:
    """The document served at `url`, or None where there is no such route (yet)."""
    response = requests.get(url, timeout=10)
    return None if response.status_code == 404 else response.json()


def _credentials(deployment: Deployment) -> Credentials:
    """A confidential client with every grant and --introspect, its tokens, and a registration."""
    client = deployment.cli_json(
        *("client", "create", "--name", "fuzz", "--scope", "read write", "--introspect"),
        *("--redirect-uri", REDIRECT_URI, "--audience", IDENTITY["RESOURCE_IDENTIFIER"]),
        *("--grant-type", "client_credentials", "--grant-type", "authorization_code"),
        *("--grant-type", "refresh_token"),
    )
    pair = f"{quote(client['client_id'])}:{quote(client['client_secret'])}"
    basic = "Basic " + base64.b64encode(pair.encode()).decode()
    form = {"grant_type": "client_credentials", "scope": "read write"}

    def token() -> str:
        url = f"{deployment.auth_url}/token"
        answer = requests.post(url, data=form, headers={"Authorization": basic}, timeout=10)
        return str(answer.json()["access_token"])

    registered = requests.post(
        f"{deployment.auth_url}/register",
        json={"client_name": "fuzz", "grant_types": ["client_credentials"]},
        headers={"Authorization": f"Bearer {IDENTITY['AUTH_REGISTRATION_TOKEN']}"},
        timeout=10,
    ).json()
    ids = (registered["client_id"], registered["registration_access_token"])
    return Credentials(client["client_id"], basic, token(), token(), *ids)


async def _execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def fuzz_database(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A SQLite file, or (FUZZ_DATABASE=postgresql) a fresh PostgreSQL schema."""
    if DATABASE == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/fuzz.db"
        return
    server: str = request.getfixturevalue("postgres_url")
    schema = f"fuzz_{secrets.token_hex(6)}"
    asyncio.run(_execute(server, f"CREATE SCHEMA {schema}"))
    try:
        yield with_query(server, search_path=schema)
    finally:
        asyncio.run(_execute(server, f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(scope="module")
def deployment(
    fuzz_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Both services, named as the documents expect; the resource server reads the keys from
    the JWKS directly, since the issuer's name is not where it listens."""
    env, auth_url, resource_url = deployment_env(fuzz_database, tmp_path_factory.mktemp("data"))
    env |= {**IDENTITY, "RESOURCE_JWKS_URI": auth_url + JWKS_PATH}
    serve = ("serve", "--workers", "1")
    with (
        running([sys.executable, "-m", "auth_server", *serve], env, f"{auth_url}/readyz"),
        running([sys.executable, "-m", "resource_server", *serve], env, f"{resource_url}/readyz"),
    ):
        yield Deployment(auth_url, resource_url, env)


class Fuzz(NamedTuple):
    """What every case needs: real credentials, one HTTP session, the tally of cases."""

    credentials: Credentials
    session: requests.Session
    tally: Counter[tuple[str, str]]
    unrouted: frozenset[tuple[str, str]]


@pytest.fixture(scope="module")
def fuzz(deployment: Deployment, request: pytest.FixtureRequest) -> Iterator[Fuzz]:
    """Keep-alive connections without cookies carried from one case to the next; the cases
    counted and said at the end of the module, even when output is captured."""
    with requests.Session() as session:
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        tally: Counter[tuple[str, str]] = Counter()
        unrouted: frozenset[tuple[str, str]] = frozenset()
        yield Fuzz(_credentials(deployment), session, tally, unrouted)
    lines = [
        f"fuzz ({DATABASE}, seed {SEED}, FUZZ_EXAMPLES={EXAMPLES}): {service}: "
        f"{tally[service, 'sent']} cases sent, {tally[service, 'authenticated']} of them with"
        " real credentials"
        for service in sorted({service for service, _ in tally})
    ]
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(*lines, sep="\n")
        return
    with capture.global_and_fixture_disabled():
        reporter.ensure_newline()
        for line in lines:
            reporter.write_line(line)


Authenticate = Callable[[Case, Credentials], Case]


def _with_authorization(case: Case, value: str, **fields: str | None) -> Case:
    """A copy with this Authorization; `fields` set (None: removed) in an object body."""
    headers = CaseInsensitiveDict(case.headers or {})
    headers["Authorization"] = value
    derived = case.derive(headers=headers)
    if isinstance(derived.body, dict):
        body = {**derived.body, **fields}
        derived.body = {name: item for name, item in body.items() if item is not None}
    return derived


def _basic(case: Case, creds: Credentials, **fields: str) -> Case:
    # client_secret_basic alone: credentials in the form as well would be two methods
    return _with_authorization(case, creds.basic, client_id=None, client_secret=None, **fields)


def _authorize(case: Case, creds: Credentials) -> Case:
    return case.derive(
        query={**case.query, "client_id": creds.client_id, "redirect_uri": REDIRECT_URI}
    )


def _configuration(case: Case, creds: Credentials) -> Case:
    client_id = creds.registered_client_id
    body = {"client_id": client_id} if case.method.upper() == "PUT" else {}
    derived = _with_authorization(case, f"Bearer {creds.registration_access_token}", **body)
    derived.path_parameters = {"client_id": client_id}
    return derived


def _bearer(token: Callable[[Credentials], str]) -> Authenticate:
    return lambda case, creds: _with_authorization(case, f"Bearer {token(creds)}")


AUTHENTICATE: dict[str, Authenticate] = {
    "POST /token": _basic,
    "POST /revoke": lambda case, creds: _basic(case, creds, token=creds.spare_access_token),
    "POST /introspect": lambda case, creds: _basic(case, creds, token=creds.access_token),
    "GET /revocations": lambda case, creds: _with_authorization(case, creds.basic),
    "GET /authorize": _authorize,
    "POST /authorize": _authorize,
    "POST /register": _bearer(lambda creds: IDENTITY["AUTH_REGISTRATION_TOKEN"]),
    "GET /register/{client_id}": _configuration,
    "PUT /register/{client_id}": _configuration,
    "DELETE /register/{client_id}": _configuration,
    "GET /userinfo": _bearer(lambda creds: creds.access_token),
    "POST /userinfo": _bearer(lambda creds: creds.access_token),
    "GET /account": _bearer(lambda creds: creds.access_token),
    "PUT /account": _bearer(lambda creds: creds.access_token),
}


def _client_ids(case: Case) -> Iterator[str]:
    """Every client_id the request names: in the query, the form, HTTP Basic."""
    for container in (case.query, case.body):
        value = container.get("client_id") if isinstance(container, dict) else None
        if isinstance(value, str):
            yield value
    scheme, _, encoded = str(case.headers.get("Authorization", "")).partition(" ")
    if scheme.lower() == "basic":
        try:
            yield unquote_plus(base64.b64decode(encoded, validate=True).decode().partition(":")[0])
        except ValueError:
            return


def exercise(service: str, base_url: str, case: Case, fuzz: Fuzz) -> None:
    """Send the case as generated, then, where it applies, with real credentials."""
    label = case.operation.label
    if (service, label) in fuzz.unrouted:
        return  # documented, not routed yet (auth_server/routes.py), as the test below allows
    authenticate = AUTHENTICATE.get(label)
    variants = [case] if authenticate is None else [case, authenticate(case, fuzz.credentials)]
    for number, variant in enumerate(variants):
        fuzz.tally[service, "sent"] += 1
        fuzz.tally[service, "authenticated"] += number
        variant.call_and_validate(base_url=base_url, session=fuzz.session, checks=CHECKS)
