"""compose.yaml, the Dockerfile and the Caddyfile agree with the code (no Docker engine here,
so the files are checked by reading them)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from auth_server.cli.main import build_parser as auth_parser
from auth_server.settings import OPTIONS as AUTH_OPTIONS
from resource_server.cli import build_parser as resource_parser
from resource_server.settings import OPTIONS as RESOURCE_OPTIONS
from tests import deployment

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {
    "auth-server": ("AUTH_", AUTH_OPTIONS, auth_parser),
    "resource-server": ("RESOURCE_", RESOURCE_OPTIONS, resource_parser),
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_stack_has_the_database_both_services_and_a_proxy(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        "postgres",
        "auth-server",
        "feed-client",  # once: the resource server's own client at the issuer
        "resource-server",
        "proxy",
    }


def test_both_services_run_the_one_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["auth-server"]["build"] == "."
    assert services["auth-server"]["image"] == services["resource-server"]["image"]


@pytest.mark.parametrize("service", SERVICES)
def test_commands_are_the_real_command_lines(
    compose: dict[str, Any], pyproject: dict[str, Any], service: str
) -> None:
    written = compose["services"][service]["command"]
    variable = f"{SERVICES[service][0]}WORKERS"
    assert "${" + variable + ":-" in written[-1]  # the operator sets the processes
    command = deployment.command(service, {variable: "3"})
    assert command[0] == service
    assert command[0] in pyproject["project"]["scripts"]
    arguments = SERVICES[service][2]().parse_args(command[1:])
    assert arguments.command == "serve"
    assert arguments.workers == 3
    assert SERVICES[service][2]().parse_args(deployment.command(service)[1:]).workers >= 1


@pytest.mark.parametrize("service", SERVICES)
def test_every_setting_in_the_environment_exists(compose: dict[str, Any], service: str) -> None:
    prefix, options, _ = SERVICES[service]
    known = {o.env for o in options} | {f"{o.env}_FILE" for o in options}
    environment = compose["services"][service]["environment"]
    assert set(environment) <= known
    for name in environment:
        assert name.startswith(prefix)


@pytest.mark.parametrize("service", SERVICES)
def test_health_checks_ask_readyz_on_the_service_port(
    compose: dict[str, Any], service: str
) -> None:
    prefix = SERVICES[service][0]
    definition = compose["services"][service]
    port = definition["environment"][f"{prefix}PORT"]
    assert definition["expose"] == [port]
    (url,) = re.findall(r"http://[^'\"]+", " ".join(definition["healthcheck"]["test"]))
    parts = urlsplit(url)
    assert (parts.hostname, str(parts.port), parts.path) == ("127.0.0.1", port, "/readyz")


@pytest.mark.parametrize("service", SERVICES)
def test_secrets_named_in_the_environment_are_mounted(
    compose: dict[str, Any], service: str
) -> None:
    definition = compose["services"][service]
    files = [v for k, v in definition["environment"].items() if k.endswith("_FILE")]
    assert files
    mounts = [volume.split(":")[1] for volume in definition.get("volumes", [])]
    for path in files:
        if path.startswith("/run/secrets/"):
            name = path.removeprefix("/run/secrets/")
            assert name in definition["secrets"]
            assert name in compose["secrets"]
        else:
            assert any(path.startswith(mount + "/") for mount in mounts), path


def test_the_resource_server_fetches_keys_from_the_auth_service(compose: dict[str, Any]) -> None:
    environment = compose["services"]["resource-server"]["environment"]
    auth_environment = compose["services"]["auth-server"]["environment"]
    back_channel = urlsplit(environment["RESOURCE_AUTH_SERVER_URL"])
    assert (back_channel.hostname, str(back_channel.port), back_channel.path) == (
        "auth-server",
        auth_environment["AUTH_PORT"],
        "",
    )
    assert "RESOURCE_JWKS_URI" not in environment  # keys, metadata and feed: one back channel
    assert environment["RESOURCE_ISSUER"] == auth_environment["AUTH_ISSUER"]
    assert environment["RESOURCE_IDENTIFIER"] == auth_environment["AUTH_DEFAULT_AUDIENCE"]


def test_the_proxy_spreads_over_every_replica(compose: dict[str, Any]) -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    upstreams = dict(re.findall(r"dynamic a (\S+) (\d+)", caddyfile))
    for service, (prefix, _, _) in SERVICES.items():
        port = compose["services"][service]["environment"][f"{prefix}PORT"]
        assert upstreams[service] == port
        assert f":{port} {{" in caddyfile
        assert f"{port}:{port}" in compose["services"]["proxy"]["ports"]
    assert caddyfile.count("health_uri /readyz") == 2


def test_the_dockerfile_builds_in_stages_and_runs_unprivileged(pyproject: dict[str, Any]) -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sum(line.startswith("FROM ") for line in lines) >= 2
    (user,) = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert not user.startswith(("0", "root"))
    copies = [line.split() for line in lines if line.startswith("COPY ")]
    copied = {words[1] for words in copies if not words[1].startswith("--from")}
    for package in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert package.rstrip("*") in copied
    (cmd,) = [line for line in lines if line.startswith("CMD ")]
    assert shlex.split(cmd.removeprefix("CMD ").strip("[]").replace(",", ""))[0] == "auth-server"
