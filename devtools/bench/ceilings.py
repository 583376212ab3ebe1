"""The raw ceilings: RS256 sign and verify on one core through `cryptography` alone."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

RSA_BITS = 2048
# About the size of an access token's signing input (base64url header and claims).
MESSAGE = b"e" * 330


@dataclass(frozen=True, slots=True)
class CryptoCeilings:
    """Operations per second of one core: RSA-2048, PKCS#1 v1.5, SHA-256."""

    sign_per_s: float
    verify_per_s: float

    def best_of(self, other: CryptoCeilings) -> CryptoCeilings:
        """The higher of two readings (a run measures at its start and end): a slow moment of
        the machine lowers a ceiling, and a lower ceiling would flatter every ratio."""
        return CryptoCeilings(
            max(self.sign_per_s, other.sign_per_s), max(self.verify_per_s, other.verify_per_s)
        )


def _rate(operation: str, key: rsa.RSAPrivateKey, seconds: float) -> float:
    """Repeat one operation for about `seconds`; how many per second."""
    public = key.public_key()
    signature = key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(20):
            if operation == "sign":
                key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
            else:
                public.verify(signature, MESSAGE, padding.PKCS1v15(), hashes.SHA256())
        count += 20
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def measure_crypto(seconds: float = 2.0) -> CryptoCeilings:
    """Sign, then verify, each in a loop on this one thread."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    return CryptoCeilings(
        sign_per_s=_rate("sign", key, seconds), verify_per_s=_rate("verify", key, seconds)
    )
