"""Typed application state of the resource server."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from resource_server.account import Accounts
from resource_server.revocation import RevocationPoller
from resource_server.settings import Settings
from resource_server.validation import TokenValidator
from shared.db import Database
from shared.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
ACCOUNTS = web.AppKey("accounts", Accounts)
VALIDATOR = web.AppKey("validator", TokenValidator)
HTTP_CLIENT = web.AppKey("http_client", aiohttp.ClientSession)
METRICS = web.AppKey("metrics", Metrics)
REVOCATION = web.AppKey("revocation", RevocationPoller)
