"""RP-initiated logout (OpenID RP-Initiated Logout 1.0 §2 and §3): which client asks, and
where the browser may be sent afterwards. Only a valid `id_token_hint` names the client, and
only then may the browser be redirected; without one the person is asked to confirm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from multidict import MultiMapping

from auth_server.clients.registry import ClientRepository
from auth_server.oidc.id_token import read_id_token
from auth_server.oidc.keys import IdTokenKeys

MAX_STATE_LENGTH = 2048


class LogoutError(Exception):
    """The logout request is malformed or names a redirect that is not registered: shown on
    our page, never sent anywhere."""


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    """A checked logout request: the hint's claims when it had a valid one, and where to go."""

    hint: dict[str, Any] | None
    post_logout_redirect_uri: str | None
    state: str | None

    @property
    def subject(self) -> str | None:
        return None if self.hint is None else str(self.hint["sub"])


def _one(params: MultiMapping[str], name: str) -> str | None:
    values = params.getall(name, [])
    if len(values) > 1:
        raise LogoutError(f"parameter '{name}' is repeated")
    return values[0] if values and values[0] != "" else None


async def check_logout(
    params: MultiMapping[str], keys: IdTokenKeys, issuer: str, clients: ClientRepository
) -> LogoutRequest:
    """The request's hint, redirect and state, each checked (RP-Initiated Logout 1.0 §2)."""
    given = _one(params, "id_token_hint")
    client_id = _one(params, "client_id")
    redirect_uri = _one(params, "post_logout_redirect_uri")
    state = _one(params, "state")
    if state is not None and len(state) > MAX_STATE_LENGTH:
        raise LogoutError(f"state is longer than {MAX_STATE_LENGTH} characters")
    hint = None if given is None else read_id_token(given, keys, issuer)
    if hint is not None and client_id is not None and client_id != hint["aud"]:
        raise LogoutError("client_id is not the audience of the id_token_hint")
    if hint is None or redirect_uri is None:
        # §3: without a valid hint, nobody vouches for the redirect: the person stays here.
        return LogoutRequest(hint, None, None)
    client = await clients.get(str(hint["aud"]))
    # §3: the post_logout_redirect_uri must be one the client registered, exactly.
    if client is None or redirect_uri not in client.post_logout_redirect_uris:
        raise LogoutError("the post_logout_redirect_uri is not registered for this client")
    return LogoutRequest(hint, redirect_uri, state)
