"""Relying parties for the OpenID Connect tests: Authlib's OpenID Connect client (the mixins
its web-framework clients are made of, over `requests`), and the node script that drives
openid-client (tests/node/relying_party.mjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from authlib.integrations.base_client.sync_app import BaseApp, OAuth2Mixin
from authlib.integrations.base_client.sync_openid import OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from cryptography.hazmat.primitives.asymmetric import rsa

NODE_DIR = Path(__file__).resolve().parent / "node"
NODE_SCRIPT = NODE_DIR / "relying_party.mjs"
LOGOUT_URI = "http://127.0.0.1:9/signed-out"
TEST_KID = "relying-party-test-key"


class AuthlibOpenIdClient(OAuth2Mixin, OpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's OpenID Connect client without a web framework: discovery, authorization
    URL with PKCE and nonce, token, ID-token validation, UserInfo and the logout URL."""

    client_cls = OAuth2Session

    def __init__(self, issuer: str, client: dict[str, Any]) -> None:
        public = "client_secret" not in client
        super().__init__(
            framework=None,
            client_id=client["client_id"],
            client_secret=client.get("client_secret"),
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid profile email",
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "none" if public else "client_secret_basic",
            },
        )

    def validate_id_token(self, token: dict[str, Any], nonce: str | None) -> Any:
        """Authlib's ID-token validation, told the issuer and this client as the audience:
        left to itself, Authlib checks `aud` only through `azp`."""
        issuer = self.load_server_metadata()["issuer"]
        options = {
            "iss": {"essential": True, "values": [issuer]},
            "aud": {"essential": True, "values": [self.client_id]},
        }
        return self.parse_id_token(token, nonce=nonce, claims_options=options)

    def _on_update_token(self, token: Any, **kwargs: Any) -> None:
        """Tokens are kept by the test, not by a web framework's session."""

    def refresh(self, token: dict[str, Any]) -> dict[str, Any]:
        metadata = self.load_server_metadata()
        with self._get_oauth_client(**metadata) as session:
            session.token = token
            refreshed: dict[str, Any] = session.refresh_token(metadata["token_endpoint"])
            return refreshed


class TrustedTestKey:
    """An RSA key a relying party is made to trust besides the server's keys, so that an ID
    token with a claim changed still has a good signature: only the claim check can refuse it."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        self.jwk = {**public, "kid": TEST_KID, "alg": "RS256", "use": "sig"}

    def resign(self, id_token: str, **changes: Any) -> str:
        claims = jwt.decode(id_token, options={"verify_signature": False})
        header = {"typ": "JWT", "kid": TEST_KID}
        return jwt.encode({**claims, **changes}, self.private, "RS256", headers=header)


def bad_signature(id_token: str) -> str:
    """The same token with the first byte of its signature flipped."""
    header, payload, signature = id_token.split(".")
    raw = bytearray(jwt.utils.base64url_decode(signature))
    raw[0] ^= 0xFF
    return f"{header}.{payload}.{jwt.utils.base64url_encode(bytes(raw)).decode()}"


def node_available() -> bool:
    return shutil.which("node") is not None and (NODE_DIR / "node_modules").is_dir()


def run_node_relying_party(
    settings: dict[str, str], person: Callable[[str], str]
) -> dict[str, Any]:
    """Run the node script: it asks for a sign-in at a URL, `person` answers with the
    callback URL, and the script reports what the library did."""
    process = subprocess.Popen(
        ["node", str(NODE_SCRIPT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=NODE_DIR,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        process.stdin.write(json.dumps(settings) + "\n")
        process.stdin.flush()
        asked = json.loads(process.stdout.readline() or "{}")
        assert "authorization_url" in asked, process.communicate(timeout=10)[1]
        process.stdin.write(person(asked["authorization_url"]) + "\n")
        process.stdin.flush()
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    report: dict[str, Any] = json.loads(stdout)
    return report
