"""Helpers that speak to the auth server as clients and people do: token requests, the code
flow, refresh, registration."""

from __future__ import annotations

import time
from typing import Any

import jwt
from aiohttp import encode_basic_auth

from auth_server.appkeys import KEYRING
from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import (
    DEFAULT_AUDIENCE,
    ISSUER,
    PASSWORD,
    REDIRECT_URI,
    AuthClient,
    Registered,
)


async def endpoint(http: AuthClient, name: str) -> str:
    """An endpoint's path, found from the metadata as clients must."""
    metadata = await (await http.get("/.well-known/oauth-authorization-server")).json()
    url: str = metadata[name]
    return url.removeprefix(ISSUER)


async def token_endpoint(http: AuthClient) -> str:
    """The token endpoint's path, found from the metadata, as clients must."""
    response = await http.get("/.well-known/oauth-authorization-server")
    url: str = (await response.json())["token_endpoint"]
    return url.removeprefix(ISSUER)


async def verify(http: AuthClient, token: str, audience: str = DEFAULT_AUDIENCE) -> dict[str, Any]:
    """Check a token with pyjwt against the JWKS the server publishes; return its claims."""
    metadata = await (await http.get("/.well-known/oauth-authorization-server")).json()
    jwks = await (await http.get(metadata["jwks_uri"].removeprefix(ISSUER))).json()
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key,
        algorithms=["RS256"],
        audience=audience,
        issuer=ISSUER,
        options={"require": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"]},
    )
    assert header == {"alg": "RS256", "typ": "at+jwt", "kid": header["kid"]}
    return claims


async def post_token(
    http: AuthClient,
    data: dict[str, str] | list[tuple[str, str]],
    client: Registered | None = None,
    *,
    method: str = "basic",
) -> tuple[int, dict[str, Any], Any]:
    """POST to the token endpoint; return status, headers and JSON body."""
    headers = {}
    form = list(data.items()) if isinstance(data, dict) else list(data)
    if client is not None and method == "basic":
        headers["Authorization"] = encode_basic_auth(client.client_id, client.client_secret or "")
    elif client is not None:
        form += [("client_id", client.client_id), ("client_secret", client.client_secret or "")]
    response = await http.post(await token_endpoint(http), data=form, headers=headers)
    assert response.content_type == "application/json"
    return response.status, dict(response.headers), await response.json()


def authorize_query(client: Registered, challenge: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "read",
        "state": "s-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


async def sign_in_and_approve(
    browser: Browser, client: Registered, **extra: str
) -> tuple[str, str]:
    """Walk the pages to a code; return (code, code_verifier)."""
    verifier, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(client, challenge, **extra))
    assert login.status == 200
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert consent.status == 200, consent.html
    done = await browser.submit(consent, decision="approve")
    assert done.status == 303
    return redirect_params(done.location or "")["code"], verifier


async def redeem(
    http: AuthClient, client: Registered, code: str, verifier: str, **extra: str
) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    form |= {"code_verifier": verifier, **extra}
    status, _, body = await post_token(http, form, client)
    return status, body


async def refresh(
    http: AuthClient, client: Registered, token: str, **extra: str
) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "refresh_token", "refresh_token": token, **extra}
    status, headers, body = await post_token(http, form, client)
    if status == 200:
        assert headers["Cache-Control"] == "no-store"
    return status, body


def signed(http: AuthClient, **claims: Any) -> str:
    """An access token signed with the server's own current key, with these claims."""
    now = int(time.time())
    base = {"iss": ISSUER, "sub": "s", "aud": "a", "exp": now + 60, "iat": now, "jti": "j"}
    return http.app[KEYRING].signer.sign({"client_id": "c", "scope": "read", **base, **claims})


INITIAL_TOKEN = "initial-access-token-0123456789-abcdefghij"


WEB_APP = {
    "client_name": "Photo Printer",
    "redirect_uris": ["https://printer.example/callback"],
    "grant_types": ["authorization_code", "refresh_token"],
    "scope": "read",
}


async def register(
    http: AuthClient, metadata: Any, token: str | None = INITIAL_TOKEN
) -> tuple[int, dict[str, str], Any]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = await http.post(
        await endpoint(http, "registration_endpoint"), json=metadata, headers=headers
    )
    assert response.content_type == "application/json"
    return response.status, dict(response.headers), await response.json()


CC = {"grant_type": "client_credentials"}


async def status(auth_client: AuthClient, client: Registered) -> int:
    return (await post_token(auth_client, CC, client))[0]
