"""Distinct valid access tokens in bulk: the bench's own RSA key, a JWKS that publishes it,
and signing spread over processes (the token endpoint would take too long for tens of
thousands)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TOKEN_LIFETIME = 3600
JWKS_PATH = "/jwks.json"


@dataclass(frozen=True, slots=True)
class Minting:
    """What every token of one batch says, and the key that signs it (PKCS#8 PEM)."""

    private_pem: bytes
    kid: str
    issuer: str
    audience: str
    scope: str = "read"


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_b64(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def new_minting(issuer: str, audience: str) -> tuple[Minting, dict[str, Any]]:
    """A fresh RSA-2048 key for minting, and the JWKS document that publishes it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    members = {
        "e": b64url(numbers.e.to_bytes(3, "big")),
        "kty": "RSA",
        "n": b64url(numbers.n.to_bytes(256, "big")),
    }
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    kid = b64url(hashlib.sha256(canonical).digest())  # RFC 7638 thumbprint
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    jwks = {"keys": [{**members, "kid": kid, "use": "sig", "alg": "RS256"}]}
    return Minting(pem, kid, issuer, audience), jwks


def mint_range(minting: Minting, first: int, count: int) -> list[str]:
    """Tokens number `first` .. `first + count - 1`: RFC 9068 claims, each its own `jti`."""
    key = serialization.load_pem_private_key(minting.private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    header = _json_b64({"alg": "RS256", "typ": "at+jwt", "kid": minting.kid})
    now = int(time.time())
    salt = secrets.token_hex(4)
    tokens = []
    for number in range(first, first + count):
        claims = {
            "iss": minting.issuer,
            "sub": f"user-{number}",
            "aud": minting.audience,
            "exp": now + TOKEN_LIFETIME,
            "iat": now,
            "jti": f"{salt}-{number}",
            "client_id": "bench",
            "scope": minting.scope,
        }
        signing_input = f"{header}.{_json_b64(claims)}"
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        tokens.append(f"{signing_input}.{b64url(signature)}")
    return tokens


def mint_pool(minting: Minting, count: int, path: Path, processes: int = 2) -> int:
    """Sign `count` distinct tokens over `processes` processes into `path`, one a line."""
    share = -(-count // processes)
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        futures = [
            pool.submit(mint_range, minting, first, min(share, count - first))
            for first in range(0, count, share)
        ]
        with path.open("w") as out:
            for future in futures:
                out.writelines(token + "\n" for token in future.result())
    return count


@contextlib.contextmanager
def jwks_server(document: dict[str, Any]) -> Iterator[str]:
    """Serve the JWKS on a free loopback port from a thread; yields its URL."""
    body = json.dumps(document).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == JWKS_PATH
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "public, max-age=3600")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{JWKS_PATH}"
    finally:
        server.shutdown()
        server.server_close()
