"""The authorization server: clients, keys, and the endpoints that issue access tokens."""

from auth_server.app import create_app
from auth_server.settings import Settings

__all__ = ["Settings", "create_app"]
