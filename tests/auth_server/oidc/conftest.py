"""Fixtures for the OpenID Connect tests: a person with claims, and a relying party."""

from __future__ import annotations

import pytest

from auth_server.appkeys import USERS
from auth_server.signin.users import Profile
from tests.auth_server.conftest import (
    PASSWORD,
    REDIRECT_URI,
    AuthClient,
    RegisterClient,
    Registered,
)

LOGOUT_URI = "https://app.example/signed-out"
EMAIL, NAME = "alice@example.com", "Alice Liddell"


@pytest.fixture
async def alice(auth_client: AuthClient) -> str:
    """Alice, with an email address known to be hers and a full name; her user id."""
    profile = Profile(email=EMAIL, email_verified=True, name=NAME)
    return (await auth_client.app[USERS].create("alice", PASSWORD, profile)).user_id


@pytest.fixture
async def relying_party(register_client: RegisterClient) -> Registered:
    """A confidential web app registered for `read` only, with a post-logout redirect URI:
    the identity scopes come with its code grant."""
    return await register_client(
        name="Sign-in app",
        redirect_uris=(REDIRECT_URI,),
        post_logout_redirect_uris=(LOGOUT_URI,),
        scope=("read",),
    )
