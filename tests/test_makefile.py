"""`make run` installs what running needs, no more; `make test` the rest, Caddy included."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.services import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make here")


def planned(target: str) -> list[str]:
    """The commands `make TARGET` would run from scratch (nothing is run)."""
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


def installs(commands: list[str]) -> list[str]:
    return [line for line in commands if "pip install" in line and "--upgrade pip" not in line]


def test_make_run_installs_only_the_runtime_dependencies() -> None:
    (install,) = installs(planned("run"))
    assert install.endswith("-e .")
    assert "dev" not in install


def test_make_test_installs_the_dev_extra_and_caddy() -> None:
    commands = planned("test")
    assert any(line.endswith("-e '.[dev]'") for line in installs(commands))
    assert any("apt-get install -y -qq caddy" in line for line in commands)
