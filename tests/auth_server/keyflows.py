"""Token requests that prove a key: DPoP proofs (RFC 9449) and client assertions (RFC 7523)."""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
from aiohttp import encode_basic_auth, web
from multidict import CIMultiDict

from tests.auth_server.conftest import ISSUER, AuthClient, Registered
from tests.dpop_proofs import ProofKey

TOKEN_URL = ISSUER + "/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


async def dpop_token(
    http: AuthClient,
    form: dict[str, str],
    client: Registered | None = None,
    *,
    proof: str | None = None,
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """POST to /token, with the client's secret by Basic (or its id alone) and a proof."""
    headers = CIMultiDict[str]()
    if client is not None and client.client_secret is not None:
        headers["Authorization"] = encode_basic_auth(client.client_id, client.client_secret)
    elif client is not None:
        form = {**form, "client_id": client.client_id}
    if proof is not None:
        headers["DPoP"] = proof
    response = await http.post("/token", data=form, headers=headers)
    return response.status, dict(response.headers), await response.json()


def proof_for_token(key: ProofKey, **extra: Any) -> str:
    return key.proof("POST", TOKEN_URL, **extra)


def assertion(
    key: ProofKey, client_id: str, *, aud: str = ISSUER, kid: str = "k1", **claims: Any
) -> str:
    """A private_key_jwt client assertion (RFC 7523 §3) signed with `key`."""
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": aud, "exp": now + 300, "iat": now}
    body |= {"jti": secrets.token_urlsafe(12), **claims}
    algorithm = jwt.get_algorithm_by_name(key.alg)
    return jwt.encode(body, algorithm.prepare_key(key.key), key.alg, headers={"kid": kid})


def jwks(key: ProofKey, kid: str = "k1") -> dict[str, Any]:
    return {"keys": [{**key.jwk, "kid": kid, "use": "sig"}]}


def assertion_form(signed: str, **form: str) -> dict[str, str]:
    return {"client_assertion_type": JWT_BEARER, "client_assertion": signed, **form}


class PublishedKeys:
    """A client's JWKS served at its `jwks_uri`, counting fetches."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.fetches = 0

    async def serve(self, request: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response(self.document)
