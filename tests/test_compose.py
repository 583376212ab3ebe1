"""compose.yaml keeps to the Compose specification's structure and to what an operator needs:
restarts, pinned images, workers from the environment, metrics kept inside, the proxy's network
trusted, the resource server's feed credentials, and the image's data directory a volume."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest

from shared.proxies import parse_trusted_proxies
from tests import deployment

ROOT = Path(__file__).resolve().parent.parent
# The Compose specification's top-level and service keys that this file may use.
TOP_LEVEL = {"version", "name", "services", "networks", "volumes", "secrets", "configs", "include"}
SERVICE_KEYS = {
    "build", "command", "depends_on", "entrypoint", "environment", "expose", "healthcheck",
    "image", "networks", "ports", "restart", "secrets", "stop_grace_period", "volumes",
}  # fmt: skip
RESTART = {"no", "always", "on-failure", "unless-stopped"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
LONG_RUNNING = ("postgres", "auth-server", "resource-server", "proxy")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return deployment.compose()


def test_the_file_keeps_to_the_specification_s_structure(compose: dict[str, Any]) -> None:
    assert {k for k in compose if not k.startswith("x-")} <= TOP_LEVEL
    for name, service in compose["services"].items():
        assert set(service) <= SERVICE_KEYS, name
        assert service["restart"] in RESTART
        assert set(service.get("networks", [])) <= set(compose["networks"]), name
        assert set(service.get("secrets", [])) <= set(compose["secrets"]), name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("./") or source in compose["volumes"], volume
        for needed, how in service.get("depends_on", {}).items():
            assert needed in compose["services"]
            assert how["condition"] in CONDITIONS
        assert all(isinstance(v, str) for v in service.get("environment", {}).values()), name


def test_long_running_services_restart_and_the_one_off_does_not(compose: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        assert compose["services"][name]["restart"] == "unless-stopped"
    assert compose["services"]["feed-client"]["restart"] == "no"


def test_every_image_is_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        _image, _, tag = service["image"].partition(":")
        assert re.match(r"\d+\.\d+", tag), f"{name}: {service['image']} is not pinned"


def test_metrics_stay_on_the_internal_network(compose: dict[str, Any]) -> None:
    backend = compose["networks"]["backend"]
    assert backend["internal"] is True
    published = [name for name, s in compose["services"].items() if "ports" in s]
    assert published == ["proxy"]
    caddyfile = deployment.CADDYFILE.read_text()
    sites = re.findall(r"\n:\d+ \{\n(.*?)\n\}", caddyfile, re.DOTALL)
    assert len(sites) == 2
    for site in sites:
        assert site.index("respond /metrics 404") < site.index("reverse_proxy")


def test_forwarded_headers_are_believed_from_the_proxy_s_network(compose: dict[str, Any]) -> None:
    (subnet,) = [c["subnet"] for c in compose["networks"]["backend"]["ipam"]["config"]]
    assert "backend" in compose["services"]["proxy"]["networks"]
    for name, prefix in (("auth-server", "AUTH"), ("resource-server", "RESOURCE")):
        value = compose["services"][name]["environment"][f"{prefix}_TRUSTED_PROXIES"]
        trusted = parse_trusted_proxies(f"{prefix}_TRUSTED_PROXIES", value)
        assert trusted.networks == (ipaddress.ip_network(subnet),)


def test_the_resource_server_reads_the_feed_with_its_own_client(compose: dict[str, Any]) -> None:
    services = compose["services"]
    environment = services["resource-server"]["environment"]
    assert {"RESOURCE_CLIENT_ID_FILE", "RESOURCE_CLIENT_SECRET_FILE"} <= set(environment)
    assert "RESOURCE_REVOCATION_POLL_INTERVAL" not in environment  # 10 s once the client is set
    made = services["feed-client"]["command"][0]
    assert "auth-server client create" in made
    assert "--introspect" in made
    assert '"/var/lib/oauth-feed/" + k' in made
    assert '("client_id", "client_secret")' in made
    assert services["feed-client"]["volumes"] == ["feed-client:/var/lib/oauth-feed"]
    assert services["resource-server"]["volumes"] == ["feed-client:/var/lib/oauth-feed:ro"]
    assert services["resource-server"]["depends_on"]["feed-client"] == {
        "condition": "service_completed_successfully"
    }


def test_the_image_s_wildcard_address_comes_with_public_urls(compose: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "AUTH_HOST=0.0.0.0" in dockerfile
    assert "RESOURCE_HOST=0.0.0.0" in dockerfile
    for name, service in compose["services"].items():
        if service["image"].startswith("oauth-token-service:"):
            environment = service["environment"]
            assert "AUTH_ISSUER" in environment or "RESOURCE_IDENTIFIER" in environment, name


def test_the_data_directory_is_a_volume(compose: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    (data_dir,) = re.findall(r"AUTH_DATA_DIR=(\S+)", dockerfile)
    assert f'VOLUME ["{data_dir}"]' in dockerfile
    assert compose["services"]["auth-server"]["volumes"] == [f"auth-data:{data_dir}"]
