"""Fixtures for the device flow: a one-second polling interval, and device clients."""

from __future__ import annotations

import dataclasses

import pytest

from auth_server import Settings
from tests.auth_server.conftest import RegisterClient, Registered
from tests.auth_server.device.flow import DEVICE_CODE


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    """The auth server's settings, polled every second rather than every five."""
    return dataclasses.replace(auth_settings, device_poll_interval=1)


@pytest.fixture
async def tv_client(register_client: RegisterClient) -> Registered:
    """A public client, as a TV app or a command-line tool is: the device grant and refresh."""
    return await register_client(
        name="Living Room TV",
        public=True,
        grant_types=(DEVICE_CODE, "refresh_token"),
        scope=("read", "write"),
    )


@pytest.fixture
async def confidential_device_client(register_client: RegisterClient) -> Registered:
    """A confidential client with the device grant only (so no refresh tokens)."""
    return await register_client(name="Kiosk", grant_types=(DEVICE_CODE,), scope=("read",))
