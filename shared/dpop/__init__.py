"""DPoP (RFC 9449) for both services: the proof checker, the in-memory `jti` replay cache and
server nonces.

May import: only `shared` (jws, errors) and PyJWT/cryptography; never a service."""

from shared.dpop.nonces import NonceSource
from shared.dpop.proof import ALGORITHMS, Proof, ProofVerifier, proof_header, token_hash
from shared.dpop.replay import ReplayCache

__all__ = [
    "ALGORITHMS",
    "NonceSource",
    "Proof",
    "ProofVerifier",
    "ReplayCache",
    "proof_header",
    "token_hash",
]
