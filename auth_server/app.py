"""The application factory: one function for `serve`, tests and any other runner."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from auth_server.appkeys import (
    AUTHORIZATION_FLOW,
    CLIENT_DOCUMENTS,
    CLIENT_KEYS,
    CLIENT_THROTTLE,
    CLIENTS,
    DATABASE,
    DEVICE_CODES,
    DEVICE_VERIFICATION,
    DPOP,
    GRANTS,
    ID_TOKEN_KEYS,
    KEYRING,
    METADATA,
    METRICS,
    OPENID_CONFIGURATION,
    REFRESH_TOKENS,
    REGISTRATION_THROTTLE,
    REGISTRATIONS,
    REVOKED,
    SERVER_SECRETS,
    SETTINGS,
    STORAGE,
    TOKEN_LOOKUP,
    TOKENS_ISSUED,
    USED_JTIS,
    USERINFO,
    USERS,
)
from auth_server.clients.cache import client_caching
from auth_server.clients.documents.fetch import DocumentFetcher
from auth_server.clients.documents.store import DocumentClients
from auth_server.clients.jtis import UsedJtis
from auth_server.clients.key_source import ClientKeys
from auth_server.clients.open_registration import RegistrationThrottle
from auth_server.clients.throttle import ClientAuthThrottle, count_caching
from auth_server.device.verification import DeviceVerification
from auth_server.endpoints.metadata import TOKEN_PATH, build_metadata, render
from auth_server.grants import Grant
from auth_server.grants.authorization_code import AuthorizationCodeGrant
from auth_server.grants.client_credentials import ClientCredentialsGrant
from auth_server.grants.device_code import DeviceCodeGrant
from auth_server.grants.refresh_token import RefreshTokenGrant
from auth_server.oidc.discovery import openid_configuration
from auth_server.oidc.id_token import IdTokenIssuer
from auth_server.oidc.keys import open_id_token_keys
from auth_server.oidc.userinfo import UserInfo
from auth_server.pruning import prune_forever
from auth_server.routes import add_routes
from auth_server.settings import Settings
from auth_server.signin.flow import AuthorizationFlow
from auth_server.signin.pages import Csrf
from auth_server.signing.keyring import KeyRing
from auth_server.signing.rotation import KeyMaintenance
from auth_server.signing.schedule import RotationPolicy
from auth_server.signing.store import ID_TOKEN, KeyRepository
from auth_server.storage import Storage, open_storage
from auth_server.tokens.dpop import DpopBinding
from auth_server.tokens.issuer import AccessTokenIssuer, signing_threads
from auth_server.tokens.lookup import TokenLookup
from shared.background import in_background
from shared.cpus import usable_cpus
from shared.dpop import NonceSource, ProofVerifier
from shared.service import pool_metrics, service_app

MAX_BODY_BYTES = 64 * 1024
# RFC 6797: browsers that once reached an https issuer never try it over http again (a year).
HSTS = "max-age=31536000"
CLIENT_KEYS_TIMEOUT = aiohttp.ClientTimeout(total=5, connect=3)


def create_app(settings: Settings | None = None) -> web.Application:
    """The authorization server; storage opens when the app starts."""
    settings = settings or Settings.from_env()
    app = service_app(METRICS, MAX_BODY_BYTES, settings.trusted_proxies)
    app[SETTINGS] = settings
    app[TOKENS_ISSUED] = app[METRICS].counter(
        "oauth_tokens_issued_total", "Access tokens issued, by grant type.", ["grant_type"]
    )
    app[KEYRING] = KeyRing()
    if settings.secure_cookies:
        app.on_response_prepare.append(strict_transport_security)
    app[CLIENT_KEYS] = ClientKeys()
    # One cleanup context per resource, opened in this order and closed in reverse.
    app.cleanup_ctx.extend(
        [
            database,
            key_proofs,
            signing_keys,
            client_cache,
            client_documents,
            pool_metrics(METRICS, DATABASE),
            pruning,
            key_maintenance,
            id_token_key_maintenance,
        ]
    )
    add_routes(app)
    return app


async def strict_transport_security(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer of an https issuer, errors included, carries the HSTS header."""
    response.headers["Strict-Transport-Security"] = HSTS


async def database(app: web.Application) -> AsyncIterator[None]:
    """Open and migrate the database, check the secrets, put repositories and sign-in over it."""
    settings = app[SETTINGS]
    opened = await open_storage(settings)
    try:
        app[STORAGE] = opened
        app[DATABASE] = opened.database
        app[SERVER_SECRETS] = opened.server_secrets
        app[CLIENTS] = opened.clients
        app[USERS] = opened.users
        app[REFRESH_TOKENS] = opened.refresh_tokens
        app[REVOKED] = opened.revoked
        app[REGISTRATIONS] = opened.registrations
        app[CLIENT_THROTTLE] = ClientAuthThrottle(opened.attempts)
        app[REGISTRATION_THROTTLE] = RegistrationThrottle(opened.attempts)
        app[AUTHORIZATION_FLOW] = AuthorizationFlow(
            issuer=settings.issuer,
            secure_cookies=settings.secure_cookies,
            users=opened.users,
            sessions=opened.sessions,
            consents=opened.consents,
            codes=opened.codes,
            throttle=opened.throttle,
            csrf=Csrf(opened.server_secrets, secure=settings.secure_cookies),
        )
        app[DEVICE_CODES] = opened.device_codes
        app[DEVICE_VERIFICATION] = device_verification(settings, opened)
        yield
    finally:
        await opened.database.close()


async def key_proofs(app: web.Application) -> AsyncIterator[None]:
    """What checks keys that clients prove: DPoP proofs and client assertions, their `jti`s
    single use in the database, and the HTTP client that fetches clients' `jwks_uri`."""
    settings, used = app[SETTINGS], UsedJtis(app[DATABASE])
    nonces = None
    if settings.dpop_nonce:  # one key for every worker and replica: derived from the pepper
        nonces = NonceSource(app[SERVER_SECRETS].digest("dpop-nonce").encode())
    app[USED_JTIS] = used
    app[DPOP] = DpopBinding(settings.issuer + TOKEN_PATH, used, ProofVerifier(nonces=nonces))
    async with aiohttp.ClientSession(timeout=CLIENT_KEYS_TIMEOUT) as session:
        app[CLIENT_KEYS].session = session
        yield
        app[CLIENT_KEYS].session = None


async def signing_keys(app: web.Application) -> AsyncIterator[None]:
    """Make sure a key signs now and load the key ring; install what signs with it (the
    grants) and what reads its tokens back (introspection's lookup)."""
    settings, storage = app[SETTINGS], app[STORAGE]
    await storage.keys.ensure_current(settings.signing_alg)
    await app[KEYRING].load(storage.keys)
    id_tokens = await install_openid(app, settings, storage)
    threads = signing_threads(settings.workers, usable_cpus())
    tokens = AccessTokenIssuer(settings.issuer, settings.access_token_ttl, app[KEYRING], threads)
    try:
        app[TOKEN_LOOKUP] = TokenLookup(
            settings.issuer, app[KEYRING], storage.refresh_tokens, storage.revoked, storage.clients
        )
        grants = install_grants(settings, storage, tokens, id_tokens)
        app[GRANTS] = {grant.grant_type: grant for grant in grants}
        publish_metadata(app, settings, grants)
        yield
    finally:
        tokens.close()


async def client_cache(app: web.Application) -> AsyncIterator[None]:
    """Clients and their failure counts kept in memory while the database tells of changes."""
    clients, throttle = app[CLIENTS], app[CLIENT_THROTTLE]
    app[METRICS].watch_cache("clients", lambda: clients.cache)
    app[METRICS].watch_cache("client_auth_counts", lambda: throttle.cache)
    async with client_caching(app[DATABASE], clients), count_caching(app[DATABASE], throttle):
        yield


def publish_metadata(app: web.Application, settings: Settings, grants: list[Grant]) -> None:
    """The RFC 8414 document, and the OpenID configuration built from it: rendered once."""
    metadata = build_metadata(settings, [grant.grant_type for grant in grants])
    app[METADATA] = render(metadata)
    app[OPENID_CONFIGURATION] = render(openid_configuration(metadata))


async def install_openid(
    app: web.Application, settings: Settings, opened: Storage
) -> IdTokenIssuer:
    """OpenID Connect: the ID-token keys (made if needed), UserInfo; the ID-token issuer."""
    id_keys = KeyRepository(opened.database, opened.server_secrets, ID_TOKEN)
    app[ID_TOKEN_KEYS] = await open_id_token_keys(settings, id_keys, app[KEYRING])
    app[USERINFO] = UserInfo(
        settings.issuer, app[KEYRING], opened.revoked, opened.clients, opened.users
    )
    return IdTokenIssuer(settings.issuer, settings.id_token_ttl, app[ID_TOKEN_KEYS])


async def client_documents(app: web.Application) -> AsyncIterator[None]:
    """The HTTP client that fetches client metadata documents, while they are on."""
    settings = app[SETTINGS]
    if settings.client_id_metadata_documents == "off":
        yield
        return
    async with DocumentFetcher.open(settings.client_id_metadata_documents) as fetcher:
        app[CLIENT_DOCUMENTS] = DocumentClients(
            app[DATABASE],
            app[CLIENTS],
            fetcher,
            server_scopes=settings.scopes,
            grant_types=tuple(app[GRANTS].keys()),
        )
        yield


async def pruning(app: web.Application) -> AsyncIterator[None]:
    """The background task that deletes expired rows."""
    async with in_background(prune_forever(app[DATABASE])):
        yield


async def key_maintenance(app: web.Application) -> AsyncIterator[None]:
    """The background task that reloads the key ring and makes scheduled key changes."""
    repository = KeyRepository(app[DATABASE], app[SERVER_SECRETS])
    policy = RotationPolicy.from_settings(app[SETTINGS])
    async with in_background(KeyMaintenance(repository, app[KEYRING], policy).run()):
        yield


def device_verification(settings: Settings, storage: Storage) -> DeviceVerification:
    """The verification page's steps (RFC 8628 §3.3), over the sign-in room's pieces."""
    return DeviceVerification(
        secure_cookies=settings.secure_cookies,
        clients=storage.clients,
        users=storage.users,
        sessions=storage.sessions,
        codes=storage.device_codes,
        attempts=storage.user_code_throttle,
        login_throttle=storage.throttle,
        csrf=Csrf(storage.server_secrets, secure=settings.secure_cookies),
    )


async def id_token_key_maintenance(app: web.Application) -> AsyncIterator[None]:
    """The same upkeep for the RS256 ID-token keys, when they are kept apart."""
    ring = app[ID_TOKEN_KEYS].own
    if ring is None:
        yield
        return
    repository = KeyRepository(app[DATABASE], app[SERVER_SECRETS], ID_TOKEN)
    policy = RotationPolicy.for_id_tokens(app[SETTINGS])
    async with in_background(KeyMaintenance(repository, ring, policy).run()):
        yield


def install_grants(
    settings: Settings, storage: Storage, tokens: AccessTokenIssuer, id_tokens: IdTokenIssuer
) -> list[Grant]:
    """Every grant type the token endpoint serves, in the order metadata lists them."""
    return [
        AuthorizationCodeGrant(
            storage.codes,
            storage.refresh_tokens,
            tokens,
            storage.revoked,
            id_tokens,
        ),
        RefreshTokenGrant(
            storage.refresh_tokens,
            tokens,
            storage.revoked,
            id_tokens,
        ),
        ClientCredentialsGrant(tokens, settings.default_audience),
        DeviceCodeGrant(
            storage.database,
            storage.device_codes,
            storage.refresh_tokens,
            storage.users,
            tokens,
            storage.revoked,
        ),
    ]
