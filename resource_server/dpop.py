"""DPoP at the resource server (RFC 9449 §7): the proof of a `DPoP` request checked against
its token, bound tokens kept off the Bearer scheme, and `RESOURCE_DPOP=required`.

Replays are refused per process (an in-memory cache of `jti`s, see docs/dpop.md): every worker
and replica keeps its own, so a proof replayed to another worker within its minute is caught
only by the `htm`/`htu`/`ath` binding and the short window, not by the cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from resource_server.validation import AccessToken
from shared.dpop import Proof, ProofVerifier, ReplayCache, proof_header
from shared.errors import (
    BearerError,
    InvalidDpopProof,
    InvalidToken,
    ProofNonceNeeded,
    ProofRefused,
    UseDpopNonce,
)

ALLOWED = "allowed"
REQUIRED = "required"


@dataclass(slots=True)
class DpopPolicy:
    """How this resource server treats DPoP: `mode` allowed or required, its own origin (the
    scheme and authority every `htu` must name), the proof checker and the replay cache."""

    origin: str
    mode: str = ALLOWED
    verifier: ProofVerifier = field(default_factory=ProofVerifier)
    replays: ReplayCache = field(default_factory=ReplayCache)

    @classmethod
    def for_identifier(cls, identifier: str, mode: str = ALLOWED, leeway: int = 30) -> DpopPolicy:
        parts = urlsplit(identifier)
        return cls(f"{parts.scheme}://{parts.netloc}", mode, ProofVerifier(leeway=leeway))

    @property
    def required(self) -> bool:
        return self.mode == REQUIRED

    @property
    def algs(self) -> str:
        """The `algs` challenge parameter (RFC 9449 §7.1)."""
        return " ".join(sorted(self.verifier.algorithms))

    def challenge(self, exc: BearerError, scheme: str) -> BearerError:
        """The challenge of a refusal: DPoP when the request used it or Bearer is refused."""
        if scheme == "dpop" or self.required:
            return exc.with_scheme("DPoP", algs=self.algs)
        return exc

    def check(self, request: web.Request, scheme: str, token: str, access: AccessToken) -> None:
        """The token's binding: a DPoP token with a good proof by its key, or a Bearer one."""
        jkt = _bound_key(access.claims)
        if scheme == "bearer":
            if jkt is not None:
                # RFC 9449 §7.2: a bound token is never accepted as a bearer token.
                raise InvalidToken("this token is DPoP-bound: use the DPoP scheme")
            if self.required:
                raise InvalidToken("this resource accepts DPoP-bound tokens only")
            return
        if jkt is None:
            raise InvalidToken("this token is not DPoP-bound: use the Bearer scheme")
        proof = self._proof(request, token)
        if proof.jkt != jkt:
            raise ProofRefused("the proof's key is not the one the token is bound to")
        if not self.replays.first_use(f"{proof.jkt}:{proof.jti}", proof.expires_at):
            raise ProofRefused("the proof's jti has been used before")

    def _proof(self, request: web.Request, token: str) -> Proof:
        try:
            proof = proof_header(request.headers)
            if proof is None:
                raise InvalidDpopProof("the DPoP scheme needs a DPoP proof header")
            uri = self.origin + request.rel_url.raw_path
            return self.verifier.verify(proof, method=request.method, uri=uri, access_token=token)
        except UseDpopNonce as exc:
            refusal = ProofNonceNeeded(exc.description)
            refusal.extra_headers = exc.headers()
            raise refusal from None
        except InvalidDpopProof as exc:
            raise ProofRefused(exc.description) from None


def check_binding(
    policy: DpopPolicy | None, request: web.Request, scheme: str, token: str, access: AccessToken
) -> None:
    """The token's binding under `policy`; without one, a bound token is refused."""
    if policy is not None:
        policy.check(request, scheme, token, access)
    elif "cnf" in access.claims:
        raise InvalidToken("this token is DPoP-bound and this resource does not take DPoP")


def challenged(exc: BearerError, scheme: str, policy: DpopPolicy | None) -> BearerError:
    """The refusal with the challenge its scheme calls for (RFC 9449 §7.1)."""
    return exc if policy is None else policy.challenge(exc, scheme)


def _bound_key(claims: Any) -> str | None:
    """RFC 9449 §6.1: `cnf.jkt`, the thumbprint the token is bound to."""
    cnf = claims.get("cnf")
    if cnf is None:
        return None
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not jkt:
        raise InvalidToken("the token's cnf claim is malformed")
    return jkt
