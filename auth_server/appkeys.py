"""Typed application state of the authorization server."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import Counter

from auth_server.clients.documents.store import DocumentClients
from auth_server.clients.jtis import UsedJtis
from auth_server.clients.key_source import ClientKeys
from auth_server.clients.open_registration import RegistrationThrottle
from auth_server.clients.registrations import Registrations
from auth_server.clients.registry import ClientRepository
from auth_server.clients.throttle import ClientAuthThrottle
from auth_server.device.codes import DeviceCodes
from auth_server.device.verification import DeviceVerification
from auth_server.grants import Grant
from auth_server.oidc.keys import IdTokenKeys
from auth_server.oidc.userinfo import UserInfo
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
DEVICE_CODES = web.AppKey("device_codes", DeviceCodes)
DEVICE_VERIFICATION = web.AppKey("device_verification", DeviceVerification)
ID_TOKEN_KEYS = web.AppKey("id_token_keys", IdTokenKeys)
USERINFO = web.AppKey("userinfo", UserInfo)
OPENID_CONFIGURATION = web.AppKey("openid_configuration", bytes)
REGISTRATION_THROTTLE = web.AppKey("registration_throttle", RegistrationThrottle)
CLIENT_DOCUMENTS = web.AppKey("client_documents", DocumentClients)
CLIENT_KEYS = web.AppKey("client_keys", ClientKeys)
USED_JTIS = web.AppKey("used_jtis", UsedJtis)
DPOP = web.AppKey("dpop", DpopBinding)
