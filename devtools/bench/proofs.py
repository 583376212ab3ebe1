"""Scenario (f): DPoP (RFC 9449) with one bound token and a fresh proof on every request: the
proofs are signed in bulk before the run with the client's one key."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.request
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from devtools.bench.deployment import RegisteredClient

_ES256 = jwt.algorithms.ECAlgorithm(jwt.algorithms.ECAlgorithm.SHA256)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_b64(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


class ProofSigner:
    """One client's DPoP key: its header is encoded once, each proof's claims anew."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(_ES256.to_jwk(self._key.public_key()))
        self._header = _json_b64({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk})

    def proof(self, htm: str, htu: str, token: str | None = None) -> str:
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(12),
            "htm": htm,
            "htu": htu,
            "iat": int(time.time()),
        }
        if token is not None:
            claims["ath"] = _b64(hashlib.sha256(token.encode()).digest())
        signing_input = f"{self._header}.{_json_b64(claims)}"
        return f"{signing_input}.{_b64(_ES256.sign(signing_input.encode(), self._key))}"


def fetch_dpop_token(token_endpoint: str, client: RegisteredClient, signer: ProofSigner) -> str:
    """One DPoP-bound access token through the client credentials grant."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        token_endpoint,
        data=b"grant_type=client_credentials",
        headers={
            "Authorization": client.basic,
            "Content-Type": "application/x-www-form-urlencoded",
            "DPoP": signer.proof("POST", token_endpoint),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        body = json.load(response)
    if body.get("token_type") != "DPoP":
        raise RuntimeError("the token endpoint did not bind the token to the DPoP key")
    return str(body["access_token"])


def mint_proofs(signer: ProofSigner, htu: str, token: str, count: int, path: Path) -> None:
    """`count` proofs for GET `htu` with `token`, one a line; each good for about 90 s."""
    with path.open("w") as out:
        out.writelines(signer.proof("GET", htu, token) + "\n" for _ in range(count))
