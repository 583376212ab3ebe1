"""Typed application state of the authorization server."""

from __future__ import annotations

from aiohttp import web

from auth_server.authorization_flow import AuthorizationFlow
from auth_server.clients import ClientRepository
from auth_server.grants import Grant
from auth_server.keys import KeyRing
from auth_server.server_secrets import ServerSecrets
from auth_server.settings import Settings
from auth_server.users import UserRepository
from shared.db import Database

SETTINGS = web.AppKey("settings", Settings)
KEYRING = web.AppKey("keyring", KeyRing)
DATABASE = web.AppKey("database", Database)
SERVER_SECRETS = web.AppKey("server_secrets", ServerSecrets)
CLIENTS = web.AppKey("clients", ClientRepository)
GRANTS: web.AppKey[dict[str, Grant]] = web.AppKey("grants")
METADATA = web.AppKey("metadata", bytes)
AUTHORIZATION_FLOW = web.AppKey("authorization_flow", AuthorizationFlow)
USERS = web.AppKey("users", UserRepository)
