"""The OpenID Provider configuration (OpenID Discovery 1.0 §3): the RFC 8414 document of the
same server, plus what OpenID Connect adds."""

from __future__ import annotations

from typing import Any

from auth_server.oidc.claims import CLAIMS_SUPPORTED
from auth_server.oidc.keys import ID_TOKEN_ALG
from auth_server.scopes import IDENTITY_SCOPES

OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration"
USERINFO_PATH = "/userinfo"
END_SESSION_PATH = "/logout"


def openid_configuration(metadata: dict[str, Any]) -> dict[str, Any]:
    """The RFC 8414 document (the one source of every shared field) with the OpenID ones."""
    issuer = metadata["issuer"]
    scopes = list(metadata["scopes_supported"])
    scopes += [name for name in IDENTITY_SCOPES if name not in scopes]
    return {
        **metadata,
        "scopes_supported": scopes,
        "userinfo_endpoint": issuer + USERINFO_PATH,
        "end_session_endpoint": issuer + END_SESSION_PATH,
        "id_token_signing_alg_values_supported": [ID_TOKEN_ALG],
        "subject_types_supported": ["public"],
        "claims_supported": list(CLAIMS_SUPPORTED),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }
