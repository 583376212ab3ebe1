"""Checking an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 9700 §2.1).

The client and redirect URI are checked first: until both are known good, an error is shown
on our own page and never sent to the redirect URI (RFC 6749 §4.1.2.1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from multidict import MultiMapping

from auth_server.clients.redirect_uris import redirect_uri_matches
from auth_server.clients.registry import AUTHORIZATION_CODE, Client, ClientRepository
from auth_server.scopes import grant_scope, parse_scope
from auth_server.signin.pkce import S256, is_valid_challenge
from auth_server.tokens.audiences import choose_audience
from shared.errors import InvalidRequest, OAuthError, UnauthorizedClient

MAX_STATE_LENGTH = 2048
MAX_NONCE_LENGTH = 512
MAX_LOGIN_HINT_LENGTH = 256
PROMPTS = frozenset({"none", "login", "consent"})
_SINGLE = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "nonce",
    "max_age",
    "login_hint",
)


class UnsupportedResponseType(OAuthError):
    """RFC 6749 §4.1.2.1: only `code` is served here."""

    error = "unsupported_response_type"


class AccessDenied(OAuthError):
    """RFC 6749 §4.1.2.1: the user said no."""

    error = "access_denied"


class LoginRequired(OAuthError):
    """`prompt=none`, but nobody is signed in."""

    error = "login_required"


class ConsentRequired(OAuthError):
    """`prompt=none`, but the user has not granted these scopes to this client yet."""

    error = "consent_required"


class InteractionRequired(OAuthError):
    """OpenID Connect Core §3.1.2.6: `prompt=none`, but a page would be needed."""

    error = "interaction_required"


class UntrustedRedirect(Exception):
    """The client or redirect URI is not known good: say so on our page, redirect nowhere."""


@dataclass(frozen=True, slots=True)
class Destination:
    """Where responses to this request go: a registered client's registered redirect URI."""

    client: Client
    redirect_uri: str
    redirect_uri_given: bool
    state: str | None


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A request that passed every check."""

    destination: Destination
    scope: tuple[str, ...]
    audience: tuple[str, ...]
    code_challenge: str
    prompt: frozenset[str]
    nonce: str | None = None
    max_age: int | None = None
    login_hint: str | None = None

    @property
    def client(self) -> Client:
        return self.destination.client


def _one(query: MultiMapping[str], name: str) -> str | None:
    values = query.getall(name, [])
    return values[0] if len(values) == 1 and values[0] != "" else None


async def resolve_destination(query: MultiMapping[str], clients: ClientRepository) -> Destination:
    """The client and its exact redirect URI (RFC 6749 §3.1.2.3), or UntrustedRedirect."""
    if len(query.getall("client_id", [])) > 1 or len(query.getall("redirect_uri", [])) > 1:
        raise UntrustedRedirect("client_id and redirect_uri may appear only once")
    client_id = _one(query, "client_id")
    client = await clients.get(client_id) if client_id and len(client_id) <= 1024 else None
    if client is None:
        raise UntrustedRedirect("the client_id is missing or unknown")
    given = _one(query, "redirect_uri")
    if given is None:
        if len(client.redirect_uris) != 1:
            raise UntrustedRedirect("redirect_uri is required for this client")
        redirect_uri = client.redirect_uris[0]
    elif any(redirect_uri_matches(given, registered) for registered in client.redirect_uris):
        redirect_uri = given
    else:
        raise UntrustedRedirect("the redirect_uri is not registered for this client")
    state = query.get("state")
    if state is not None and len(state) > MAX_STATE_LENGTH:
        state = None
    return Destination(client, redirect_uri, given is not None, state)


def check_request(
    query: MultiMapping[str],
    destination: Destination,
    default_audience: str,
    known_audiences: tuple[str, ...] = (),
) -> AuthorizationRequest:
    """Every other rule; an OAuthError here goes back to the client's redirect URI."""
    for name in _SINGLE:
        if len(query.getall(name, [])) > 1:
            raise InvalidRequest(f"parameter '{name}' is repeated")
    client = destination.client
    response_type = _one(query, "response_type")
    if response_type is None:
        raise InvalidRequest("response_type is required")
    if response_type != "code":
        raise UnsupportedResponseType("only response_type=code is supported")
    if AUTHORIZATION_CODE not in client.grant_types:
        raise UnauthorizedClient("this client may not use the authorization code grant")
    state = query.get("state")
    if state is not None and len(state) > MAX_STATE_LENGTH:
        raise InvalidRequest(f"state is longer than {MAX_STATE_LENGTH} characters")
    return AuthorizationRequest(
        destination=destination,
        code_challenge=_code_challenge(query),
        scope=grant_scope(parse_scope(_one(query, "scope")), client.requestable_scope),
        audience=choose_audience(
            query.getall("resource", []),
            client.allowed_audiences(default_audience, known_audiences),
            default_audience,
        ),
        prompt=_prompt(query),
        nonce=_bounded(query, "nonce", MAX_NONCE_LENGTH),
        max_age=_max_age(query),
        login_hint=_bounded(query, "login_hint", MAX_LOGIN_HINT_LENGTH),
    )


def _bounded(query: MultiMapping[str], name: str, limit: int) -> str | None:
    value = _one(query, name)
    if value is not None and len(value) > limit:
        raise InvalidRequest(f"{name} is longer than {limit} characters")
    return value


def _max_age(query: MultiMapping[str]) -> int | None:
    """OpenID Connect Core §3.1.2.1: seconds since the person last actively signed in."""
    value = _one(query, "max_age")
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise InvalidRequest("max_age must be a non-negative number of seconds")
    return int(value)


def _code_challenge(query: Mapping[str, str]) -> str:
    # RFC 9700 §2.1.1: PKCE for every client; S256 only (plain would expose the verifier).
    challenge = query.get("code_challenge") or None
    method = query.get("code_challenge_method") or None
    if challenge is None:
        raise InvalidRequest("code_challenge is required (PKCE with S256)")
    if method != S256:
        raise InvalidRequest("code_challenge_method must be S256")
    if not is_valid_challenge(challenge):
        raise InvalidRequest("code_challenge must be 43 base64url characters")
    return challenge


def _prompt(query: Mapping[str, str]) -> frozenset[str]:
    values = frozenset((query.get("prompt") or "").split())
    if not values <= PROMPTS:
        raise InvalidRequest(f"prompt may be {', '.join(sorted(PROMPTS))}")
    if "none" in values and len(values) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other values")
    return values
