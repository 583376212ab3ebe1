"""Helpers for the OpenID Connect tests: a sign-in that ends in a token response, and ID
tokens read back with the keys the server publishes."""

from __future__ import annotations

from typing import Any

import jwt

from tests.auth_server.browser import Browser, Page, pkce_pair, redirect_params
from tests.auth_server.conftest import ISSUER, PASSWORD, AuthClient, Registered
from tests.auth_server.flows import authorize_query, redeem

OPENID_SCOPE = "openid profile email"


async def authorize(browser: Browser, client: Registered, **extra: str) -> tuple[Page, str]:
    """Open the authorization endpoint for `client`; the page and the code_verifier."""
    verifier, challenge = pkce_pair()
    extra.setdefault("scope", OPENID_SCOPE)
    page = await browser.open("/authorize", **authorize_query(client, challenge, **extra))
    return page, verifier


async def signed_in(
    http: AuthClient, client: Registered, browser: Browser | None = None, **extra: str
) -> dict[str, Any]:
    """Sign alice in and approve (or, signed in with consent, go straight through);
    redeem the code; the token response."""
    browser = browser or Browser(http)
    page, verifier = await authorize(browser, client, **extra)
    if "password" in page.form.fields:
        page = await browser.submit(page, username="alice", password=PASSWORD)
    if page.status == 200:
        page = await browser.submit(page, decision="approve")
    assert page.status == 303, page.html
    code = redirect_params(page.location or "")["code"]
    status, body = await redeem(http, client, code, verifier)
    assert status == 200, body
    return body


async def jwks(http: AuthClient) -> jwt.PyJWKSet:
    metadata = await (await http.get("/.well-known/openid-configuration")).json()
    path = metadata["jwks_uri"].removeprefix(ISSUER)
    return jwt.PyJWKSet.from_dict(await (await http.get(path)).json())


async def id_token_claims(
    http: AuthClient, id_token: str, client: Registered
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of an ID token, its signature checked against the JWKS."""
    header = jwt.get_unverified_header(id_token)
    key = (await jwks(http))[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        id_token, key=key, algorithms=["RS256"], audience=client.client_id, issuer=ISSUER
    )
    return header, claims
