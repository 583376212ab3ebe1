"""A person connects a device in a real browser (Chromium, phone-sized), and the device,
polling meanwhile, gets its token."""

from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession
from pytest_aiohttp import AiohttpServer

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENTS, SETTINGS, USERS
from auth_server.clients.policy import new_client
from tests.auth_server.conftest import PASSWORD
from tests.auth_server.device.flow import DEVICE_CODE, connect_in_chromium


async def test_a_person_enters_the_code_signs_in_and_approves_in_chromium(
    aiohttp_server: AiohttpServer, auth_settings: Settings, tmp_path: Path
) -> None:
    auth = await aiohttp_server(create_app(auth_settings))
    await auth.app[USERS].create("alice", PASSWORD)
    request = new_client(
        name="Living Room TV",
        public=True,
        grant_types=(DEVICE_CODE,),
        server_scopes=auth.app[SETTINGS].scopes,
    )
    client, _ = await auth.app[CLIENTS].create(request)
    async with ClientSession() as device:
        response = await device.post(
            auth.make_url("/device_authorization"), data={"client_id": client.client_id}
        )
        codes = await response.json()
        assert codes["verification_uri"] == f"{auth_settings.issuer}/device"
        form = {"grant_type": DEVICE_CODE, "device_code": codes["device_code"]}
        token_url = auth.make_url("/token")
        response = await device.post(token_url, data={**form, "client_id": client.client_id})
        assert (await response.json())["error"] == "authorization_pending"

        page_url = str(auth.make_url("/device"))
        consent = await connect_in_chromium(page_url, codes["user_code"], tmp_path / "c.png")
        assert "Living Room TV" in consent
        assert codes["user_code"] in consent
        assert "in front of you" in consent

        response = await device.post(token_url, data={**form, "client_id": client.client_id})
        assert response.status == 200
        assert (await response.json())["token_type"] == "Bearer"
