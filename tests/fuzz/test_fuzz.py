"""Schemathesis against both services running as real processes: no 5xx, and every answer's
status, content type, headers and body as the service's own OpenAPI document says.

Each case is sent as generated and, where the operation takes credentials, once more with real
ones, to reach what lies behind authentication. Fixed seed, bounded; `make fuzz` runs longer
(FUZZ_EXAMPLES, FUZZ_SEED) on SQLite, then PostgreSQL (FUZZ_DATABASE). The documents are built
at import (schemathesis' fixture-based loader fails on pytest 9.2) from the settings the services
start with; the issuer and resource names are fixed, so no port is in them, and a test checks
that each service serves exactly that document."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
import requests
from pytest_aiohttp import AiohttpClient

import auth_server
import auth_server.openapi
from auth_server.signin.pages import BROWSER_COOKIE
from tests.fuzz.conftest import (
    AUTH_DOCUMENT,
    CHALLENGE,
    REDIRECT_URI,
    RESOURCE_DOCUMENT,
    Case,
    Fuzz,
    auth_schema,
    exercise,
    resource_schema,
    served_document,
)
from tests.services import Deployment


def test_the_services_serve_the_documents_fuzzed_here(deployment: Deployment) -> None:
    assert served_document(deployment.resource_url + "/openapi.json") == RESOURCE_DOCUMENT
    assert served_document(deployment.auth_url + auth_server.openapi.PATH) == AUTH_DOCUMENT


@auth_schema.parametrize()
def test_auth_server(case: Case, deployment: Deployment, fuzz: Fuzz) -> None:
    exercise("auth server", deployment.auth_url, case, fuzz)


@resource_schema.parametrize()
def test_resource_server(case: Case, deployment: Deployment, fuzz: Fuzz) -> None:
    exercise("resource server", deployment.resource_url, case, fuzz)


# Bugs fuzzing found (both were 500s), each the exact request that showed it.


def test_a_non_ascii_csrf_token_is_refused_not_a_crash(deployment: Deployment, fuzz: Fuzz) -> None:
    query = {"client_id": fuzz.credentials.client_id, "redirect_uri": REDIRECT_URI}
    query |= {"response_type": "code", "code_challenge": CHALLENGE, "code_challenge_method": "S256"}
    response = requests.post(
        f"{deployment.auth_url}/authorize",
        params=query,
        data={"csrf_token": "\u00e9"},
        cookies={BROWSER_COOKIE: "x"},
        timeout=10,
    )
    assert response.status_code == 400  # the login page again: the form has expired


@pytest.mark.parametrize("database_kind", ["postgresql"])
async def test_a_nul_in_client_id_is_an_unknown_client_on_postgresql(
    aiohttp_client: AiohttpClient, database_url: str, tmp_path: Path
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings = auth_server.Settings(
        database_url=database_url, data_dir=tmp_path, key_encryption_key=key, secret_pepper=key
    )
    client = await aiohttp_client(auth_server.create_app(settings))
    basic = "Basic " + base64.b64encode(b"a%00b:secret").decode()
    form = {"grant_type": "client_credentials"}
    response = await client.post("/token", data=form, headers={"Authorization": basic})
    assert response.status == 401
