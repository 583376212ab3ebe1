"""Typed application state of the authorization server."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import Counter

from auth_server.clients.jtis import UsedJtis
from auth_server.clients.key_source import ClientKeys
from auth_server.clients.registrations import Registrations
from auth_server.clients.registry import ClientRepository
from auth_server.clients.throttle import ClientAuthThrottle
from auth_server.grants import Grant
from auth_server.settings import Settings
from auth_server.signin.flow import AuthorizationFlow
from auth_server.signin.users import UserRepository
from auth_server.signing.keyring import KeyRing
from auth_server.signing.server_secrets import ServerSecrets
from auth_server.storage import Storage
from auth_server.tokens.dpop import DpopBinding
from auth_server.tokens.lookup import TokenLookup
from auth_server.tokens.refresh import RefreshTokens
from auth_server.tokens.revocations import RevokedAccessTokens
from shared.db import Database
from shared.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
KEYRING = web.AppKey("keyring", KeyRing)
DATABASE = web.AppKey("database", Database)
STORAGE = web.AppKey("storage", Storage)
SERVER_SECRETS = web.AppKey("server_secrets", ServerSecrets)
CLIENTS = web.AppKey("clients", ClientRepository)
GRANTS: web.AppKey[dict[str, Grant]] = web.AppKey("grants")
METADATA = web.AppKey("metadata", bytes)
AUTHORIZATION_FLOW = web.AppKey("authorization_flow", AuthorizationFlow)
USERS = web.AppKey("users", UserRepository)
REFRESH_TOKENS = web.AppKey("refresh_tokens", RefreshTokens)
REVOKED = web.AppKey("revoked", RevokedAccessTokens)
TOKEN_LOOKUP = web.AppKey("token_lookup", TokenLookup)
REGISTRATIONS = web.AppKey("registrations", Registrations)
METRICS = web.AppKey("metrics", Metrics)
TOKENS_ISSUED = web.AppKey("tokens_issued", Counter)
CLIENT_THROTTLE = web.AppKey("client_throttle", ClientAuthThrottle)
CLIENT_KEYS = web.AppKey("client_keys", ClientKeys)
USED_JTIS = web.AppKey("used_jtis", UsedJtis)
DPOP = web.AppKey("dpop", DpopBinding)
