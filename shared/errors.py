"""Protocol errors: one family, raised anywhere, rendered in one place (shared.http)."""

from __future__ import annotations

import re
from typing import ClassVar

# RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E. Anything else a
# description quotes from a request (control characters that drive a terminal or split a log
# line, bidi overrides) is shown as '?'; a double quote becomes a single one.
_OUTSIDE_DESCRIPTION = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")


def safe_description(text: str) -> str:
    """The text as RFC 6749 §5.2 lets an error_description be."""
    return _OUTSIDE_DESCRIPTION.sub("?", text.replace('"', "'"))


class OAuthError(Exception):
    """An error the client sees as RFC 6749 §5.2 JSON: `error`, `error_description`."""

    error: ClassVar[str] = "invalid_request"
    status: ClassVar[int] = 400
    # Whether the connection must close after the answer (its request was not read whole).
    close_connection: ClassVar[bool] = False

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description or self.error)
        self.description = None if description is None else safe_description(description)

    def body(self) -> dict[str, str]:
        """The JSON object sent to the client."""
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body

    def headers(self) -> dict[str, str]:
        """Extra response headers (challenges, Retry-After, Allow)."""
        return {}


class InvalidRequest(OAuthError):
    """RFC 6749 §5.2: a parameter is missing, repeated, malformed or unsupported."""

    error = "invalid_request"


class MethodNotAllowed(InvalidRequest):
    """A method the endpoint does not serve: 405 with a JSON `invalid_request` body."""

    status = 405

    def __init__(self, allowed: tuple[str, ...], description: str | None = None) -> None:
        super().__init__(description or f"method not allowed; use {', '.join(allowed)}")
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class RequestTooLarge(InvalidRequest):
    """The body exceeds the endpoint's limit: 413."""

    status = 413


class RequestTimeout(InvalidRequest):
    """The body did not arrive in time (a slow or stalled client): 408, connection closed."""

    status = 408
    close_connection = True


class NotFound(OAuthError):
    """No such endpoint or object."""

    error = "not_found"
    status = 404


class InvalidClient(OAuthError):
    """RFC 6749 §5.2: client authentication failed: 401, a Basic challenge if Basic was tried."""

    error = "invalid_client"
    status = 401

    def __init__(self, description: str | None = None, *, basic_realm: str | None = None) -> None:
        super().__init__(description)
        self.basic_realm = basic_realm

    def headers(self) -> dict[str, str]:
        if self.basic_realm is None:
            return {}
        return {"WWW-Authenticate": f'Basic realm="{self.basic_realm}", charset="UTF-8"'}


class InvalidGrant(OAuthError):
    """RFC 6749 §5.2: the grant is invalid, expired, revoked or bound to another client."""

    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    """RFC 6749 §5.2: this client may not use this grant type."""

    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    """RFC 6749 §5.2: the server does not support this grant type."""

    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    """RFC 6749 §5.2: the scope is malformed, unknown or beyond what the client may have."""

    error = "invalid_scope"


class InvalidTarget(OAuthError):
    """RFC 8707 §2: the `resource` is malformed or not allowed for this client."""

    error = "invalid_target"


class AuthorizationPending(OAuthError):
    """RFC 8628 §3.5: the person has not yet approved or denied; poll again later."""

    error = "authorization_pending"


class SlowDown(OAuthError):
    """RFC 8628 §3.5: polled faster than `interval`, which grows by 5 s from now on."""

    error = "slow_down"


class AccessDenied(OAuthError):
    """RFC 8628 §3.5 (and RFC 6749 §4.1.2.1): the person said no."""

    error = "access_denied"


class ExpiredToken(OAuthError):
    """RFC 8628 §3.5: the device code expired before anyone approved it."""

    error = "expired_token"


class InvalidDpopProof(OAuthError):
    """RFC 9449 §5: the DPoP proof is missing, malformed or does not fit the request (400)."""

    error = "invalid_dpop_proof"


class UseDpopNonce(OAuthError):
    """RFC 9449 §8: the server asks for a proof carrying the nonce it sends in `DPoP-Nonce`."""

    error = "use_dpop_nonce"

    def __init__(self, nonce: str, description: str | None = None) -> None:
        super().__init__(description or "send a DPoP proof with the server's nonce")
        self.nonce = nonce

    def headers(self) -> dict[str, str]:
        return {"DPoP-Nonce": self.nonce}


class ServerError(OAuthError):
    """Anything unexpected; details go to the log, never to the client."""

    error = "server_error"
    status = 500


class TemporarilyUnavailable(OAuthError):
    """A dependency (the database) is unreachable: 503 with Retry-After."""

    error = "temporarily_unavailable"
    status = 503

    def __init__(self, description: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(description)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TooManyAttempts(OAuthError):
    """Too many failed attempts from one place: 429 with Retry-After (RFC 6585 §4)."""

    error = "temporarily_unavailable"
    status = 429

    def __init__(self, description: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(description)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class BearerError(OAuthError):
    """RFC 6750 §3: an error about the access token, answered with a Bearer challenge."""

    status = 401
    challenge_error: ClassVar[bool] = True

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description)
        self.challenge: dict[str, str] = {}
        self.scheme = "Bearer"
        self.extra_headers: dict[str, str] = {}

    def with_challenge(self, **params: str) -> BearerError:
        """Add challenge parameters (realm, resource_metadata) known where it is rendered."""
        self.challenge = {**params, **self.challenge}
        return self

    def with_scheme(self, scheme: str, **params: str) -> BearerError:
        """Challenge with another scheme (RFC 9449 §7.1: `DPoP`, with its `algs`)."""
        self.scheme = scheme
        self.challenge = {**self.challenge, **params}
        return self

    def challenge_params(self) -> dict[str, str]:
        params = dict(self.challenge)
        if self.challenge_error:
            params["error"] = self.error
            if self.description:
                params["error_description"] = self.description
        return params

    def headers(self) -> dict[str, str]:
        params = self.challenge_params()
        rendered = ", ".join(f'{k}="{_quote(v)}"' for k, v in params.items())
        return {"WWW-Authenticate": f"{self.scheme} {rendered}".rstrip(), **self.extra_headers}


class MissingToken(BearerError):
    """RFC 6750 §3.1: no credentials at all, so the challenge carries no error code."""

    error = "unauthorized"
    challenge_error = False


class InvalidToken(BearerError):
    """RFC 6750 §3.1: the token is expired, revoked, malformed or otherwise invalid."""

    error = "invalid_token"


class BearerInvalidRequest(BearerError):
    """RFC 6750 §3.1: the request is malformed (two tokens, an empty one, another scheme)."""

    error = "invalid_request"
    status = 400


class ProofRefused(BearerError):
    """RFC 9449 §7.1: the resource server refuses the request's DPoP proof (401)."""

    error = "invalid_dpop_proof"


class ProofNonceNeeded(BearerError):
    """RFC 9449 §9: the resource server wants its nonce in the proof (401, `DPoP-Nonce`)."""

    error = "use_dpop_nonce"


class InsufficientScope(BearerError):
    """RFC 6750 §3.1: the token lacks a scope the resource needs: 403 naming that scope."""

    error = "insufficient_scope"
    status = 403

    def __init__(self, scope: str, description: str | None = None) -> None:
        super().__init__(description or f"this resource needs scope '{scope}'")
        self.scope = scope

    def challenge_params(self) -> dict[str, str]:
        return {**super().challenge_params(), "scope": self.scope}


def _quote(value: str) -> str:
    """Make a value safe inside a quoted-string (RFC 9110 §5.6.4)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
