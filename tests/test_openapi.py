"""The OpenAPI documents stay true: every route is documented, every documented operation is a
route, each document is valid OpenAPI 3.1, and each service serves its own at /openapi.json."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from openapi_spec_validator import validate
from pytest_aiohttp import AiohttpClient

import auth_server
import auth_server.openapi
import resource_server
import resource_server.openapi

METHODS = ("get", "put", "post", "delete", "patch", "options", "trace")
REGISTRATION_TOKEN = base64.urlsafe_b64encode(os.urandom(32)).decode()


def routes_of(app: web.Application) -> set[tuple[str, str]]:
    """(METHOD, path pattern) of every route, without the HEAD that aiohttp adds to each GET."""
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }


def operations_of(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every documented operation."""
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def auth_settings(tmp_path: Path, *, registration: bool) -> auth_server.Settings:
    key = base64.b64encode(os.urandom(32)).decode()
    return auth_server.Settings(
        issuer="http://auth.test",
        database_url=f"sqlite:///{tmp_path}/auth.db",
        data_dir=tmp_path,
        key_encryption_key=key,
        secret_pepper=key,
        registration_token=REGISTRATION_TOKEN if registration else None,
    )


def resource_settings(tmp_path: Path) -> resource_server.Settings:
    return resource_server.Settings(
        identifier="http://resource.test",
        issuer="http://127.0.0.1:9",  # nothing listens: the keys never load, which is fine here
        database_url=f"sqlite:///{tmp_path}/resource.db",
    )


def auth_app(settings: auth_server.Settings) -> web.Application:
    """The auth server with its /openapi.json route, added here until routes.py has it."""
    app = auth_server.create_app(settings)
    if (("GET", auth_server.openapi.PATH)) not in routes_of(app):
        app.router.add_get(auth_server.openapi.PATH, auth_server.openapi.openapi_handler(settings))
    return app


@pytest.mark.parametrize("registration", [True, False], ids=["registration", "no-registration"])
def test_auth_server_routes_and_document_agree(tmp_path: Path, registration: bool) -> None:
    settings = auth_settings(tmp_path, registration=registration)
    document = auth_server.openapi.openapi_document(settings)
    assert routes_of(auth_app(settings)) == operations_of(document)
    assert ("/register" in document["paths"]) is registration


def test_resource_server_routes_and_document_agree(tmp_path: Path) -> None:
    settings = resource_settings(tmp_path)
    document = resource_server.openapi.openapi_document(settings)
    assert routes_of(resource_server.create_app(settings)) == operations_of(document)


@pytest.mark.parametrize("registration", [True, False], ids=["registration", "no-registration"])
def test_auth_server_document_is_valid_openapi_3_1(tmp_path: Path, registration: bool) -> None:
    document = auth_server.openapi.openapi_document(
        auth_settings(tmp_path, registration=registration)
    )
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_resource_server_document_is_valid_openapi_3_1(tmp_path: Path) -> None:
    document = resource_server.openapi.openapi_document(resource_settings(tmp_path))
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_documents_name_their_conditional_parts_from_settings(tmp_path: Path) -> None:
    settings = auth_settings(tmp_path, registration=False)
    document = auth_server.openapi.openapi_document(settings)
    assert document["servers"] == [{"url": "http://auth.test"}]
    assert "initialAccessToken" not in document["components"]["securitySchemes"]
    metadata = document["components"]["schemas"]["AuthorizationServerMetadata"]
    assert "registration_endpoint" not in metadata["required"]
    assert metadata["properties"]["token_endpoint"] == {"const": "http://auth.test/token"}
    resource = resource_server.openapi.openapi_document(resource_settings(tmp_path))
    assert "/.well-known/oauth-protected-resource" in resource["paths"]


async def test_auth_server_serves_its_document(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    settings = auth_settings(tmp_path, registration=True)
    client = await aiohttp_client(auth_app(settings))
    response = await client.get(auth_server.openapi.PATH)
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == auth_server.openapi.openapi_document(settings)


async def test_resource_server_serves_its_document_without_a_token(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    settings = resource_settings(tmp_path)
    client = await aiohttp_client(resource_server.create_app(settings))
    assert (await client.get("/account")).status == 401  # a protected route, for contrast
    response = await client.get(resource_server.openapi.PATH)
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == resource_server.openapi.openapi_document(settings)
