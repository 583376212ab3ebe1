"""Proof Key for Code Exchange (RFC 7636), S256 only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

S256 = "S256"
# RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters.
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
# RFC 7636 §4.1: code-verifier = 43*128unreserved
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def is_valid_challenge(challenge: str) -> bool:
    return _CHALLENGE.fullmatch(challenge) is not None


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def challenge_of(verifier: str | None) -> str | None:
    """The S256 challenge a well-formed verifier answers (RFC 7636 §4.1); None without one."""
    if verifier is None or _VERIFIER.fullmatch(verifier) is None:
        return None
    return s256(verifier)


def verifier_matches(verifier: str | None, challenge: str) -> bool:
    """RFC 7636 §4.6: the verifier is well-formed and hashes to the stored challenge."""
    answered = challenge_of(verifier)
    return answered is not None and hmac.compare_digest(answered, challenge)
