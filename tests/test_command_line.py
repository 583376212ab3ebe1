"""Both command lines: `--version`, every subcommand listed in its group's help, no secret
accepted as a flag (a command line shows in `ps`), and `migrate` saying what it applied."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auth_server.cli.main import build_parser as auth_parser
from auth_server.settings import OPTIONS as AUTH_OPTIONS
from resource_server.cli import build_parser as resource_parser
from resource_server.settings import OPTIONS as RESOURCE_OPTIONS
from shared.config import Option
from tests.services import ROOT

PARSERS: dict[str, Callable[[], argparse.ArgumentParser]] = {
    "auth_server": auth_parser,
    "resource_server": resource_parser,
}


def command(package: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", package, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def groups(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and every parser of a command group below it."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += groups(child)
    return found


@pytest.mark.parametrize("package", PARSERS)
def test_version_names_the_program_and_its_version(package: str) -> None:
    out = command(package, "--version")
    program, version = out.split()
    assert program == package.replace("_", "-")
    assert version[0].isdigit()


@pytest.mark.parametrize("package", PARSERS)
def test_every_subcommand_is_listed_in_its_group_s_help(package: str) -> None:
    for parser in groups(PARSERS[package]()):
        subcommands = [
            action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
        ]
        help_text = parser.format_help()
        for action in subcommands:
            for name in action.choices:
                assert f"\n    {name}" in help_text, f"{parser.prog}: {name} not listed"


@pytest.mark.parametrize(
    ("package", "options"), [("auth_server", AUTH_OPTIONS), ("resource_server", RESOURCE_OPTIONS)]
)
def test_no_secret_is_a_flag(package: str, options: tuple[Option, ...]) -> None:
    secrets = [option for option in options if option.secret]
    assert secrets
    for parser in groups(PARSERS[package]()):
        flags = {flag for action in parser._actions for flag in action.option_strings}
        for option in secrets:
            assert option.flag not in flags, f"{parser.prog} {option.flag}"


def test_the_resource_client_secret_is_a_secret() -> None:
    assert {o.env for o in RESOURCE_OPTIONS if o.secret} == {"RESOURCE_CLIENT_SECRET"}


@pytest.mark.parametrize("package", PARSERS)
def test_migrate_says_what_it_applied(package: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": f"sqlite:///{tmp_path}/auth.db",
        "AUTH_DATA_DIR": str(tmp_path),
        "RESOURCE_DATABASE_URL": f"sqlite:///{tmp_path}/resource.db",
    }
    first = command(package, "migrate", env=env).strip()
    assert first.startswith("applied migrations [1, ")
    assert command(package, "migrate", env=env).strip() == "schema is up to date"
