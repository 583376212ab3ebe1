"""DPoP at the token endpoint (RFC 9449 §5): the request's proof checked and its `jti` recorded
in the database, so a replay is refused by every worker and replica."""

from __future__ import annotations

from aiohttp import web

from auth_server.clients.jtis import UsedJtis
from auth_server.clients.registry import Client
from shared.dpop import ProofVerifier, proof_header
from shared.errors import InvalidDpopProof, ProofNonceNeeded, ProofRefused, UseDpopNonce


class DpopBinding:
    """Checks token requests' proofs; the key's thumbprint becomes the tokens' `cnf.jkt`."""

    def __init__(self, token_endpoint: str, used: UsedJtis, verifier: ProofVerifier) -> None:
        self._uri = token_endpoint
        self._used = used
        self.verifier = verifier

    async def proof_key(self, request: web.Request, client: Client) -> str | None:
        """The proof key's thumbprint, None without a proof (unless the client must send one)."""
        proof = proof_header(request.headers)
        if proof is None:
            if client.dpop_bound:  # RFC 9449 §5.2: dpop_bound_access_tokens
                raise InvalidDpopProof("this client must send a DPoP proof")
            return None
        checked = self.verifier.verify(proof, method=request.method, uri=self._uri)
        if not await self._used.first_use(f"dpop:{checked.jkt}:{checked.jti}", checked.expires_at):
            raise InvalidDpopProof("the proof's jti has been used before")
        return checked.jkt

    async def resource_proof(self, request: web.Request, uri: str, token: str) -> str:
        """RFC 9449 §7: the proof sent with a DPoP token to one of our own resources (UserInfo),
        checked against `uri` and the token (`ath`); its key's thumbprint. Refusals are 401s
        the caller challenges with the DPoP scheme."""
        try:
            proof = proof_header(request.headers)
            if proof is None:
                raise InvalidDpopProof("the DPoP scheme needs a DPoP proof header")
            checked = self.verifier.verify(
                proof, method=request.method, uri=uri, access_token=token
            )
        except UseDpopNonce as exc:
            refusal = ProofNonceNeeded(exc.description)
            refusal.extra_headers = exc.headers()
            raise refusal from None
        except InvalidDpopProof as exc:
            raise ProofRefused(exc.description) from None
        if not await self._used.first_use(f"dpop:{checked.jkt}:{checked.jti}", checked.expires_at):
            raise ProofRefused("the proof's jti has been used before")
        return checked.jkt
