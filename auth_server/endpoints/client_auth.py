"""Client authentication (RFC 6749 §2.3) at the token, revocation, introspection and feed
endpoints."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from urllib.parse import unquote_plus

from aiohttp import web
from multidict import MultiDictProxy

from auth_server.appkeys import (
    CLIENT_DOCUMENTS,
    CLIENT_KEYS,
    CLIENT_THROTTLE,
    CLIENTS,
    SERVER_SECRETS,
    SETTINGS,
    USED_JTIS,
)
from auth_server.clients.assertions import (
    JWT_BEARER,
    Assertion,
    check_claims,
    parse_assertion,
    verify_signature_with,
)
from auth_server.clients.registry import (
    NONE,
    PRIVATE_KEY_JWT,
    SECRET_BASIC,
    SECRET_POST,
    Client,
    ClientRepository,
)
from auth_server.signing.server_secrets import ServerSecrets
from shared.audit import audit
from shared.errors import InvalidClient, InvalidRequest, TooManyAttempts
from shared.http import single
from shared.request_context import client_address, set_client_id

MAX_CREDENTIAL_LENGTH = 1024
# Parameters that carry credentials or grants: never in a URL, which proxies, logs and browser
# histories keep (RFC 6749 §2.3.1 for the secret, RFC 9700 §4.3 for the rest).
BODY_ONLY_PARAMETERS = frozenset(
    {
        "client_secret",
        "client_assertion",
        "grant_type",
        "code",
        "code_verifier",
        "refresh_token",
        "device_code",
        "password",
        "token",
    }
)


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who the request says it is, and how it proves it."""

    client_id: str
    client_secret: str | None
    method: str
    assertion: Assertion | None = None


def refuse_secrets_in_query(request: web.Request) -> None:
    """A credential or grant parameter in the query string is invalid_request, even when the
    body would have been right: the URL has already leaked it."""
    for name in request.query:
        if name in BODY_ONLY_PARAMETERS:
            raise InvalidRequest(f"'{name}' must be sent in the request body, not the URL")


def parse_basic(authorization: str, realm: str) -> Credentials:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded, joined by ':', then base64."""
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        raise InvalidClient("use HTTP Basic or client_secret_post", basic_realm=realm)
    # A Basic header that does not parse is a malformed request (RFC 6749 §5.2), not a failure.
    malformed = InvalidRequest("malformed HTTP Basic credentials")
    if len(encoded) > 4 * MAX_CREDENTIAL_LENGTH:
        raise malformed
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise malformed from None
    raw_id, colon, raw_secret = decoded.partition(":")
    if not colon or not raw_id:
        raise malformed
    secret = unquote_plus(raw_secret) or None  # some libraries send "id:" for public clients
    return Credentials(unquote_plus(raw_id), secret, SECRET_BASIC)


def read_credentials(
    authorization: str | None, form: MultiDictProxy[str], realm: str
) -> Credentials | None:
    """The credentials of a token-endpoint request, from exactly one method."""
    form_id = single(form, "client_id")
    form_secret = single(form, "client_secret")
    assertion_type = single(form, "client_assertion_type")
    if assertion_type is not None or single(form, "client_assertion") is not None:
        if authorization is not None or form_secret is not None:
            raise InvalidRequest("use one client authentication method, not two")
        return _assertion_credentials(assertion_type, single(form, "client_assertion"), form_id)
    if authorization is not None:
        basic = parse_basic(authorization, realm)
        if form_secret is not None:
            raise InvalidRequest("use one client authentication method, not two")
        if form_id is not None and form_id != basic.client_id:
            raise InvalidRequest("client_id differs from the HTTP Basic credentials")
        return basic
    if form_secret is not None:
        if form_id is None:
            raise InvalidClient("client_secret needs a client_id", basic_realm=realm)
        return Credentials(form_id, form_secret, SECRET_POST)
    if form_id is not None:
        return Credentials(form_id, None, NONE)
    return None


def _assertion_credentials(
    assertion_type: str | None, text: str | None, form_id: str | None
) -> Credentials:
    """RFC 7521 §4.2: the assertion names the client; a `client_id` beside it must agree."""
    if assertion_type != JWT_BEARER or not text:
        raise InvalidRequest(f"client_assertion_type must be {JWT_BEARER} with a client_assertion")
    assertion = parse_assertion(text)
    subject = assertion.subject
    if subject is None or (form_id is not None and form_id != subject):
        raise InvalidClient("the client assertion's sub is not the client_id")
    return Credentials(subject, None, PRIVATE_KEY_JWT, assertion)


async def authenticate(
    credentials: Credentials | None,
    clients: ClientRepository,
    server_secrets: ServerSecrets,
    realm: str,
) -> Client:
    """The client these credentials prove, or invalid_client (401, always with a Basic
    challenge: RFC 9110 §11.6.1 wants one on every 401)."""
    if credentials is None:
        raise InvalidClient("client authentication is required", basic_realm=realm)
    wrong = InvalidClient("unknown client or wrong credentials", basic_realm=realm)
    if len(credentials.client_id) > MAX_CREDENTIAL_LENGTH:
        raise wrong
    client = await clients.get(credentials.client_id)
    if client is None:
        raise wrong
    if client.uses_keys or credentials.method == PRIVATE_KEY_JWT:
        # RFC 7523 §2.2: checked by `verify_assertion`, with the client's keys.
        if client.uses_keys != (credentials.method == PRIVATE_KEY_JWT):
            raise InvalidClient("this client must authenticate with private_key_jwt only")
        return client
    if client.secret_digest is None:
        if credentials.client_secret is not None:
            raise InvalidClient("a public client has no secret", basic_realm=realm)
        return client
    if credentials.client_secret is None:
        raise InvalidClient("this client must authenticate with its secret", basic_realm=realm)
    if not server_secrets.matches(credentials.client_secret, client.secret_digest):
        raise wrong
    # RFC 7591 §2: the client authenticates only by the method it registered.
    if credentials.method != client.token_endpoint_auth_method:
        raise InvalidClient(
            f"this client is registered for {client.token_endpoint_auth_method}",
            basic_realm=realm,
        )
    return client


def authorization_header(request: web.Request) -> str | None:
    """The one Authorization header, if any; two are invalid_request."""
    values = request.headers.getall("Authorization", [])
    if len(values) > 1:
        raise InvalidRequest("more than one Authorization header")
    return values[0] if values else None


async def authenticate_request(
    request: web.Request, form: MultiDictProxy[str], *, confidential: bool = False
) -> Client:
    """The client of a form POST, by any method the token endpoint accepts; with
    `confidential`, a public client (which proves nothing) is invalid_client."""
    app = request.app
    realm = app[SETTINGS].issuer
    authorization = authorization_header(request)
    credentials = read_credentials(authorization, form, realm)
    client = await _throttled(request, credentials, realm)
    if confidential and client.is_public:
        raise InvalidClient("a public client cannot authenticate here", basic_realm=realm)
    set_client_id(request, client.client_id)
    return client


async def authenticate_basic(request: web.Request) -> Client:
    """A confidential client by HTTP Basic alone, for requests without a form body."""
    app = request.app
    realm = app[SETTINGS].issuer
    authorization = authorization_header(request)
    if authorization is None:
        raise InvalidClient("HTTP Basic client authentication is required", basic_realm=realm)
    credentials = parse_basic(authorization, realm)
    client = await _throttled(request, credentials, realm)
    if client.is_public:
        raise InvalidClient("a public client cannot authenticate here", basic_realm=realm)
    return client


async def _throttled(request: web.Request, credentials: Credentials | None, realm: str) -> Client:
    """`authenticate`, throttled per (client id, address): a failure is counted, and past the
    limit every answer, a right secret's included, is 429 (auth_server/clients/throttle.py)."""
    app = request.app
    if credentials is None:
        return await authenticate(credentials, app[CLIENTS], app[SERVER_SECRETS], realm)
    client_id = credentials.client_id[:MAX_CREDENTIAL_LENGTH]
    address = client_address(request)
    try:
        try:
            client = await authenticate(credentials, app[CLIENTS], app[SERVER_SECRETS], realm)
            if credentials.assertion is not None:
                await verify_assertion(request, client, credentials.assertion)
        except InvalidClient:
            await app[CLIENT_THROTTLE].failed(client_id, address)
            raise
        await app[CLIENT_THROTTLE].succeeded(client_id, address)
    except (InvalidClient, TooManyAttempts) as exc:
        outcome = "throttled" if isinstance(exc, TooManyAttempts) else "failure"
        audit("client_authentication", outcome, request, client_id=client_id)
        raise
    return client


async def verify_assertion(request: web.Request, client: Client, assertion: Assertion) -> None:
    """RFC 7523 §3: the claims, the signature by one of the client's keys, and a `jti` used
    once across every worker and replica (the database) until its `exp`."""
    app = request.app
    issuer = app[SETTINGS].issuer
    audiences = (issuer, issuer + request.path)  # the issuer, or this endpoint's URL
    jti, exp = check_claims(assertion.claims, client.client_id, audiences, time.time())
    kid = assertion.header.get("kid")
    documents = app.get(CLIENT_DOCUMENTS)  # a metadata document's jwks_uri: its guard only
    guarded = None if documents is None else documents.fetch_keys
    keys = await app[CLIENT_KEYS].keys_for(client, kid if isinstance(kid, str) else None, guarded)
    if not verify_signature_with(assertion, keys):
        raise InvalidClient("the client assertion is not signed by a key of this client")
    if not await app[USED_JTIS].first_use(f"assertion:{client.client_id}:{jti}", exp):
        raise InvalidClient("the client assertion has been used before")
