"""Real relying-party libraries against both running services (`make run`'s processes), on
each database: Authlib's OpenID Connect client and the npm openid-client 6.x each discover
the provider, sign a person in with the code flow, PKCE and a nonce, validate the ID token,
read UserInfo, refresh and sign out; and each refuses an ID token altered in nonce,
audience, issuer or signature. The person's part is a cookie-keeping `requests` session
that reads and submits the real pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc.errors import JoseError

from tests.people import PASSWORD, REDIRECT_URI, approve
from tests.relying_parties import (
    LOGOUT_URI,
    AuthlibOpenIdClient,
    TrustedTestKey,
    bad_signature,
    node_available,
    run_node_relying_party,
)
from tests.services import Deployment, deployed

EMAIL, NAME = "alice@example.com", "Alice Liddell"


@pytest.fixture
def deployment(database_url: str, tmp_path: Path) -> Iterator[Deployment]:
    with deployed(database_url, tmp_path) as running:
        yield running


@pytest.fixture
def signed_up(deployment: Deployment) -> tuple[dict[str, Any], dict[str, Any]]:
    """Alice (with an email and a name) and a web app with a post-logout redirect URI."""
    profile = ["--email", EMAIL, "--email-verified", "--name", NAME]
    user = deployment.cli_json(
        "user", "create", "alice", "--password-stdin", *profile, stdin=PASSWORD
    )
    client = deployment.cli_json(
        "client", "create", "--name", "Sign-in app", "--redirect-uri", REDIRECT_URI,
        "--post-logout-redirect-uri", LOGOUT_URI, "--scope", "read",
    )  # fmt: skip
    return user, client


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def assert_signed_out(person: requests.Session, logout_url: str, authorize_again: str) -> None:
    """The logout URL ends the session and returns to the app with its state; afterwards
    `prompt=none` finds nobody signed in."""
    back = person.get(logout_url, allow_redirects=False, timeout=5)
    assert back.status_code == 303, back.text
    assert back.headers["Location"].startswith(LOGOUT_URI)
    assert query(back.headers["Location"])["state"] == query(logout_url)["state"]
    silent = person.get(authorize_again, allow_redirects=False, timeout=5)
    assert query(silent.headers["Location"])["error"] == "login_required"


def test_authlib_signs_in_reads_userinfo_refreshes_and_signs_out(
    deployment: Deployment, signed_up: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    user, client = signed_up
    app = AuthlibOpenIdClient(deployment.auth_url, client)
    asked = app.create_authorization_url(redirect_uri=REDIRECT_URI)
    person = requests.Session()
    callback = query(approve(asked["url"], "alice", person))
    assert callback["state"] == asked["state"]
    token = app.fetch_access_token(
        redirect_uri=REDIRECT_URI, code=callback["code"], code_verifier=asked["code_verifier"]
    )

    identity = app.validate_id_token(
        token, nonce=asked["nonce"]
    )  # signature, iss, aud, nonce, at_hash
    assert identity["sub"] == user["user_id"]
    assert (identity["email"], identity["email_verified"], identity["name"]) == (EMAIL, True, NAME)
    info = app.userinfo(token=token)
    assert info == {
        "sub": user["user_id"],
        "preferred_username": "alice",
        "name": NAME,
        "email": EMAIL,
        "email_verified": True,
    }
    refreshed = app.refresh(token)
    again = app.validate_id_token(refreshed, nonce=None)
    assert (again["sub"], again["auth_time"]) == (identity["sub"], identity["auth_time"])

    logout = app.create_logout_url(
        post_logout_redirect_uri=LOGOUT_URI, id_token_hint=refreshed["id_token"]
    )
    silent = app.create_authorization_url(redirect_uri=REDIRECT_URI, prompt="none")
    assert_signed_out(person, logout["url"], silent["url"])


def test_authlib_refuses_id_tokens_altered_in_nonce_audience_issuer_or_signature(
    deployment: Deployment, signed_up: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, client = signed_up
    app = AuthlibOpenIdClient(deployment.auth_url, client)
    asked = app.create_authorization_url(redirect_uri=REDIRECT_URI)
    callback = query(approve(asked["url"], "alice"))
    token = app.fetch_access_token(
        redirect_uri=REDIRECT_URI, code=callback["code"], code_verifier=asked["code_verifier"]
    )
    genuine, nonce = token["id_token"], asked["nonce"]
    key = TrustedTestKey()
    app.server_metadata["jwks"] = {"keys": [*app.fetch_jwk_set()["keys"], key.jwk]}

    def refusal(id_token: str) -> str:
        with pytest.raises(JoseError) as refused:
            app.validate_id_token({**token, "id_token": id_token}, nonce=nonce)
        return str(refused.value)

    assert app.validate_id_token({**token, "id_token": key.resign(genuine)}, nonce=nonce)
    assert "nonce" in refusal(key.resign(genuine, nonce="another-nonce"))
    assert "aud" in refusal(key.resign(genuine, aud="another-client"))
    assert "iss" in refusal(key.resign(genuine, iss="http://127.0.0.1:1"))
    assert "signature" in refusal(bad_signature(genuine))


@pytest.mark.skipif(not node_available(), reason="node or tests/node/node_modules missing")
def test_openid_client_signs_in_reads_userinfo_refreshes_signs_out_and_refuses_altered_tokens(
    deployment: Deployment, signed_up: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    user, client = signed_up
    person = requests.Session()
    report = run_node_relying_party(
        {
            "issuer": deployment.auth_url,
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "redirect_uri": REDIRECT_URI,
            "post_logout_redirect_uri": LOGOUT_URI,
        },
        lambda url: approve(url, "alice", person),
    )
    assert report["id_token_header"]["alg"] == "RS256"
    claims = report["claims"]
    assert (claims["sub"], claims["email"], claims["name"]) == (user["user_id"], EMAIL, NAME)
    assert report["userinfo"]["preferred_username"] == "alice"
    assert report["refreshed_claims"]["sub"] == user["user_id"]
    assert report["refresh_token_rotated"]

    refusals = report["refusals"]
    assert refusals["untouched_but_resigned"] == "accepted"  # the test key is trusted
    assert refusals["nonce"].endswith("(claim: nonce)")
    assert refusals["audience"].endswith("(claim: aud)")
    assert refusals["issuer"].endswith("(claim: iss)")
    assert "signature" in refusals["signature"].lower()

    metadata = requests.get(f"{deployment.auth_url}/.well-known/openid-configuration", timeout=5)
    silent = metadata.json()["authorization_endpoint"] + "?" + urlencode(
        {"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT_URI,
         "scope": "openid", "prompt": "none", "code_challenge": "A" * 43,
         "code_challenge_method": "S256"}
    )  # fmt: skip
    assert_signed_out(person, report["logout_url"], silent)
