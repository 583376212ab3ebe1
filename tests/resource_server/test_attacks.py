"""The JWT attack catalogue: each forged or defective token is a 401 invalid_token, while the
same token done right is accepted (so each case can fail)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from resource_server.validation import REQUIRED_CLAIMS, Policy
from tests.resource_server.conftest import RSClient, StartRS, bearer, challenge
from tests.resource_server.issuer import AUDIENCE, TestIssuer, b64url, new_key, sign_raw

Attack = Callable[[TestIssuer], str]
FOREIGN_KEY = new_key()


def unsigned(alg: str) -> Attack:
    def attack(issuer: TestIssuer) -> str:
        header = b64url(json.dumps({"alg": alg, "typ": "at+jwt", "kid": issuer.kid}).encode())
        return f"{header}.{b64url(json.dumps(issuer.claims()).encode())}."

    return attack


def hmac_with_public_key(form: str) -> Attack:
    """RFC 8725 §2.1: an HS256 token keyed with the RSA public key the issuer publishes."""

    def attack(issuer: TestIssuer) -> str:
        public = issuer.key.public_key()
        if form == "pem":
            secret = public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        elif form == "pkcs1":
            secret = public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
            )
        else:
            secret = json.dumps(issuer.published[0]).encode()
        header = json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": issuer.kid})
        signing_input = f"{b64url(header.encode())}.{b64url(json.dumps(issuer.claims()).encode())}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(mac)}"

    return attack


@dataclass(frozen=True)
class Later:
    """A time `seconds` from when the token is made (negative: in the past)."""

    seconds: float
    as_text: bool = False

    def value(self) -> Any:
        moment = int(time.time()) + self.seconds
        return str(int(moment)) if self.as_text else moment


def resolved(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value() if isinstance(v, Later) else v for k, v in changes.items()}


def claims(**changes: Any) -> Attack:
    return lambda issuer: issuer.token(issuer.claims(**resolved(changes)))


def header(**changes: Any) -> Attack:
    return lambda issuer: issuer.token(**changes)


def raw(header_text: str, payload_text: str) -> Attack:
    """Exact JSON texts (for duplicate members), signed with the issuer's real key."""

    def attack(issuer: TestIssuer) -> str:
        now = int(time.time())
        filled = payload_text.replace("ISS", issuer.issuer).replace("EXP", str(now + 600))
        return sign_raw(header_text, filled.replace("NOW", str(now)), issuer.key)

    return attack


def tampered(change: Callable[[list[str]], None]) -> Attack:
    def attack(issuer: TestIssuer) -> str:
        parts = issuer.token().split(".")
        change(parts)
        return ".".join(parts)

    return attack


def _flip_signature(parts: list[str]) -> None:
    signature = bytearray(base64.urlsafe_b64decode(parts[2] + "=="))
    signature[-1] ^= 1
    parts[2] = b64url(bytes(signature))


def _raise_scope(parts: list[str]) -> None:
    payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=="))
    payload["scope"] = "read write admin"
    parts[1] = b64url(json.dumps(payload).encode())


def _pad_signature(parts: list[str]) -> None:
    parts[2] += "=" * (-len(parts[2]) % 4)  # RFC 7515 §2: base64url without padding


def _standard_alphabet(parts: list[str]) -> None:
    parts[2] = parts[2].replace("-", "+").replace("_", "/")


def _strip_signature(parts: list[str]) -> None:
    parts[2] = ""


def _drop_signature(parts: list[str]) -> None:
    del parts[2]


def constant(token: str) -> Attack:
    return lambda issuer: token


GOOD_HEADER = '{"alg":"RS256","typ":"at+jwt","kid":"k1"}'
GOOD_CLAIMS = (
    '{"iss":"ISS","sub":"u","aud":"' + AUDIENCE + '","exp":EXP,"iat":NOW,"jti":"j",'
    '"client_id":"c","scope":"read"'
)
SPACED_CLAIMS = GOOD_CLAIMS.replace('":', '": ').replace(',"', ', "')

ATTACKS: dict[str, Attack] = {
    "alg-none": unsigned("none"),
    "alg-None": unsigned("None"),
    "alg-NONE": unsigned("NONE"),
    "alg-nOnE": unsigned("nOnE"),
    "alg-none-with-real-signature": raw(
        '{"alg":"none","typ":"at+jwt","kid":"k1"}', GOOD_CLAIMS + "}"
    ),
    "hs256-public-key-pem": hmac_with_public_key("pem"),
    "hs256-public-key-pkcs1": hmac_with_public_key("pkcs1"),
    "hs256-public-key-jwk": hmac_with_public_key("jwk"),
    "foreign-key-known-kid": lambda issuer: issuer.token(key=FOREIGN_KEY),
    "foreign-key-unknown-kid": lambda issuer: issuer.token(key=FOREIGN_KEY, kid="attacker"),
    "no-kid": header(kid=None),
    "jku": header(jku="https://attacker.example/jwks.json"),
    "x5u": header(x5u="https://attacker.example/cert.pem"),
    "embedded-jwk": lambda issuer: issuer.token(key=FOREIGN_KEY, jwk=issuer.published[0]),
    "x5c": header(x5c=["MIIB"]),
    "crit": header(crit=["exp"], exp=1),
    "rs512-not-allowed": header(alg="RS512"),
    "ps256-not-allowed": header(alg="PS256"),
    "typ-jwt": header(typ="JWT"),
    "typ-missing": header(typ=None),
    "typ-not-string": header(typ=["at+jwt"]),
    "expired": claims(exp=Later(-3600), iat=Later(-4000)),
    "nbf-future": claims(nbf=Later(3600)),
    "iat-future": claims(iat=Later(3600)),
    "wrong-iss": claims(iss="http://evil.test"),
    "iss-with-trailing-slash": lambda issuer: issuer.token(issuer.claims(iss=issuer.issuer + "/")),
    "wrong-aud": claims(aud="http://other.test"),
    "aud-list-without-us": claims(aud=["http://other.test", "http://third.test"]),
    "aud-not-string": claims(aud=7),
    "exp-string": claims(exp=Later(600, as_text=True)),
    "exp-float": claims(exp=Later(600.5)),
    "exp-bool": claims(exp=True),
    "iat-string": claims(iat=Later(0, as_text=True)),
    "nbf-string": claims(nbf=Later(0, as_text=True)),
    "no-exp": claims(exp=None),
    "no-iat": claims(iat=None),
    "no-jti": claims(jti=None),
    "no-sub": claims(sub=None),
    "no-client-id": claims(client_id=None),
    "no-iss": claims(iss=None),
    "no-aud": claims(aud=None),
    "scope-not-string": claims(scope=["read", "write"]),
    "sub-not-string": claims(sub=42),
    "duplicate-header-member": raw(
        '{"alg":"RS256","typ":"at+jwt","kid":"k1","kid":"k1"}', GOOD_CLAIMS + "}"
    ),
    "duplicate-claim": raw(GOOD_HEADER, GOOD_CLAIMS + ',"aud":"' + AUDIENCE + '"}'),
    # Spaced or escaped JSON takes the strict parser rather than the fast one.
    "duplicate-claim-spaced": raw(GOOD_HEADER, SPACED_CLAIMS + ', "aud": "' + AUDIENCE + '"}'),
    "duplicate-claim-escaped": raw(GOOD_HEADER, GOOD_CLAIMS + ',"\\u0061ud":"' + AUDIENCE + '"}'),
    "payload-not-object": raw(GOOD_HEADER, "[1]"),
    "padded-signature": tampered(_pad_signature),
    "standard-base64-signature": tampered(_standard_alphabet),
    "stripped-signature": tampered(_strip_signature),
    "two-parts": tampered(_drop_signature),
    "altered-signature": tampered(_flip_signature),
    "altered-payload": tampered(_raise_scope),
    "garbage": constant("garbage"),
    "garbage-three-parts": constant("a.b.c"),
    "dots": constant(".."),
    "jwe-five-parts": constant("a.b.c.d.e"),
    "bad-base64": constant("e30.e30.%%%"),
    "oversize": lambda issuer: issuer.token(issuer.claims(pad="x" * 9000)),
}


def pyjwt_accepts(issuer: TestIssuer, token: str, alg: str = "RS256") -> None:
    """A second opinion: pyjwt's strict decode accepts whatever we accept."""
    jwt.decode(
        token,
        jwt.PyJWK(issuer.published[0], algorithm=alg),
        algorithms=[alg],
        audience=AUDIENCE,
        issuer=issuer.issuer,
        leeway=30,
        options={"require": list(REQUIRED_CLAIMS)},
    )


async def test_the_well_formed_token_is_accepted(rs: RSClient, issuer: TestIssuer) -> None:
    exact = (GOOD_CLAIMS + "}", SPACED_CLAIMS + "}", GOOD_CLAIMS + ',"n\\u00e9":"\\u00e9"}')
    for token in (issuer.token(), *(raw(GOOD_HEADER, text)(issuer) for text in exact)):
        response = await rs.get("/account", headers=bearer(token))
        assert response.status == 200, await response.text()
        pyjwt_accepts(issuer, token)


@pytest.mark.parametrize("algorithms", [{"none"}, {"None"}, {"HS256"}, {"RS256", "hs512"}])
def test_a_policy_never_allows_none_or_hmac(algorithms: set[str]) -> None:
    with pytest.raises(ValueError, match="RFC 8725"):
        Policy("http://issuer.test", AUDIENCE, frozenset(algorithms))


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_attack_is_refused_as_invalid_token(
    rs: RSClient, issuer: TestIssuer, name: str
) -> None:
    token = ATTACKS[name](issuer)
    response = await rs.get("/account", headers=bearer(token))
    assert response.status == 401, await response.text()
    assert (await response.json())["error"] == "invalid_token"
    params = challenge(response)
    assert params["error"] == "invalid_token"
    assert params["realm"] == AUDIENCE
    assert params["resource_metadata"] == AUDIENCE + "/.well-known/oauth-protected-resource"


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": Later(-10)},
        {"iat": Later(10)},
        {"nbf": Later(10)},
        {"aud": ["http://other.test", AUDIENCE]},
    ],
    ids=["exp-within-leeway", "iat-within-leeway", "nbf-within-leeway", "aud-list-with-us"],
)
async def test_near_misses_are_accepted(
    rs: RSClient, issuer: TestIssuer, changes: dict[str, Any]
) -> None:
    token = issuer.token(issuer.claims(**resolved(changes)))
    response = await rs.get("/account", headers=bearer(token))
    assert response.status == 200, await response.text()
    pyjwt_accepts(issuer, token)


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt", "AT+JWT", "Application/At+JWT"])
async def test_both_typ_forms_in_any_case_are_accepted(
    rs: RSClient, issuer: TestIssuer, typ: str
) -> None:
    token = issuer.token(typ=typ)
    assert (await rs.get("/account", headers=bearer(token))).status == 200
    pyjwt_accepts(issuer, token)


async def test_leeway_is_configurable(start_rs: StartRS, issuer: TestIssuer) -> None:
    strict = await start_rs(leeway=0)
    token = issuer.token(issuer.claims(exp=int(time.time()) - 5))
    assert (await strict.get("/account", headers=bearer(token))).status == 401


async def test_other_allowed_algorithms_can_be_configured(
    start_rs: StartRS, issuer: TestIssuer
) -> None:
    issuer.published = [{**issuer.published[0], "alg": "PS256"}]
    rs = await start_rs(algorithms=("PS256",))
    assert (await rs.get("/account", headers=bearer(issuer.token(alg="PS256")))).status == 200
    assert (await rs.get("/account", headers=bearer(issuer.token()))).status == 401
