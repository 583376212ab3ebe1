"""The authorization server: clients, keys, and the endpoints that issue access tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth_server.settings import Settings

if TYPE_CHECKING:
    from auth_server.app import create_app

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    # The application loads on first use, so that `auth-server client ...` starts quickly.
    if name == "create_app":
        from auth_server.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
