"""New tokens that arrive together are verified together, and each still gets its own answer."""

from __future__ import annotations

import asyncio

import jwt
import pytest

from resource_server.appkeys import VALIDATOR
from resource_server.signature_batch import SignatureBatch
from resource_server.validation import AccessToken
from shared.errors import InvalidToken
from tests.resource_server.conftest import RSClient, bearer, challenge
from tests.resource_server.issuer import TestIssuer, issuer_key, new_key, public_jwk, sign_raw


def _tokens(issuer: TestIssuer, count: int) -> list[str]:
    return [issuer.token(issuer.claims(sub=f"user-{n}")) for n in range(count)]


async def test_tokens_arriving_together_are_verified_in_one_batch(
    rs: RSClient, issuer: TestIssuer
) -> None:
    assert rs.app is not None
    validator = rs.app[VALIDATOR]
    forged = new_key()  # signs under the issuer's kid: must not verify
    good = _tokens(issuer, 10)
    bad = [issuer.token(issuer.claims(sub=f"forged-{n}"), key=forged) for n in range(3)]
    before = validator.signatures.batches

    answers = await asyncio.gather(
        *(validator.verify(t) for t in [*good, *bad]), return_exceptions=True
    )

    assert validator.signatures.batches == before + 1
    assert [a.subject for a in answers[:10] if isinstance(a, AccessToken)] == [
        f"user-{n}" for n in range(10)
    ]
    for answer in answers[10:]:
        assert isinstance(answer, InvalidToken)
        assert answer.description == "the token's signature does not verify"
    # Verified once: from now on each is answered from the cache, without waiting.
    assert all(validator.check(t) is not None for t in good)


async def test_one_token_sent_many_times_at_once_is_verified_once(
    rs: RSClient, issuer: TestIssuer
) -> None:
    assert rs.app is not None
    validator = rs.app[VALIDATOR]
    token = issuer.token()
    before = validator.signatures.verified

    answers = await asyncio.gather(*(validator.verify(token) for _ in range(8)))

    assert {a.jti for a in answers} == {answers[0].jti}
    assert validator.signatures.verified == before + 1


async def test_concurrent_requests_each_get_their_own_answer(
    rs: RSClient, issuer: TestIssuer
) -> None:
    forged = new_key()
    tokens = [
        (issuer.token(issuer.claims(sub=f"user-{n}"), key=forged if n % 3 == 0 else None), n)
        for n in range(24)
    ]

    responses = await asyncio.gather(*(rs.get("/account", headers=bearer(t)) for t, _ in tokens))

    for response, (_, n) in zip(responses, tokens, strict=True):
        if n % 3 == 0:
            assert response.status == 401
            assert challenge(response)["error"] == "invalid_token"
        else:
            assert response.status == 200
            assert (await response.json())["subject"] == f"user-{n}"


def _signed() -> tuple[jwt.PyJWK, bytes, bytes]:
    key = issuer_key()
    token = sign_raw('{"alg":"RS256"}', '{"sub":"a"}', key)
    header, payload, signature = token.encode().split(b".")
    raw = jwt.utils.base64url_decode(signature)
    return jwt.PyJWK(public_jwk(key, "k1")), header + b"." + payload, raw


async def test_a_request_that_goes_away_leaves_the_rest_of_its_batch() -> None:
    batch = SignatureBatch()
    key, signing_input, signature = _signed()
    gone = batch.verify(key, signing_input, signature)
    staying = batch.verify(key, signing_input, signature)
    gone.cancel()
    assert await staying is True
    assert await batch.verify(key, signing_input + b"x", signature) is False


def test_a_batch_stranded_by_a_stopped_loop_does_not_stall_the_next_loop() -> None:
    batch = SignatureBatch()
    key, signing_input, signature = _signed()

    async def submit_and_stop() -> None:
        batch.verify(key, signing_input, signature)
        asyncio.get_running_loop().stop()  # before the batch's turn ends

    first = asyncio.new_event_loop()
    first.run_until_complete(submit_and_stop())
    first.close()

    async def verify_in_time() -> bool:
        async with asyncio.timeout(5):
            return await batch.verify(key, signing_input, signature)

    assert asyncio.run(verify_in_time()) is True


@pytest.mark.parametrize("broken", [b"", b"\x00" * 256])
async def test_a_signature_that_cannot_verify_is_refused(broken: bytes) -> None:
    key, signing_input, _ = _signed()
    assert await SignatureBatch().verify(key, signing_input, broken) is False
