"""The resource server: accepts the issuer's access tokens and serves the protected accounts."""

from resource_server.app import create_app
from resource_server.dpop import DpopPolicy
from resource_server.middleware import access_token, bearer_auth, public, require_scope
from resource_server.protection import protect
from resource_server.settings import Settings
from resource_server.validation import AccessToken, TokenValidator

__all__ = [
    "AccessToken",
    "DpopPolicy",
    "Settings",
    "TokenValidator",
    "access_token",
    "bearer_auth",
    "create_app",
    "protect",
    "public",
    "require_scope",
]
