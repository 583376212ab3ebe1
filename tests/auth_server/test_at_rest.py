"""What the server leaves on disk: a private SQLite file, secret files nobody else may read,
and a warning when the key-encryption key lies beside the database it protects."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from auth_server import Settings
from auth_server.signing.server_secrets import warn_if_key_beside_database
from tests.auth_server.conftest import AuthClient, random_secret


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_the_sqlite_file_is_private(auth_client: AuthClient, database_url: str) -> None:
    database = Path(database_url.removeprefix("sqlite:///"))
    assert (await auth_client.get("/readyz")).status == 200
    assert mode(database) == 0o600
    assert mode(database.with_name(database.name + "-wal")) == 0o600


def migrate(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auth_server", "migrate"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("setting", ["AUTH_SECRET_PEPPER_FILE", "generated"])
def test_a_secret_file_others_may_read_is_refused(tmp_path: Path, setting: str) -> None:
    env = {
        "AUTH_DATABASE_URL": f"sqlite:///{tmp_path}/auth.db",
        "AUTH_DATA_DIR": str(tmp_path / "data"),
        "AUTH_KEY_ENCRYPTION_KEY": random_secret(),
    }
    secret = tmp_path / "pepper"
    if setting == "generated":  # a secret the server generated, since made readable
        assert migrate(env).returncode == 0
        secret, name = tmp_path / "data" / "secret-pepper", "AUTH_SECRET_PEPPER"
        assert mode(secret) == 0o600
    else:
        secret.write_text(random_secret())
        env[setting], name = str(secret), setting
    secret.chmod(0o640)
    result = migrate(env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"error: {name}: ")
    assert "chmod 600" in result.stderr


def test_a_key_encryption_key_beside_the_database_is_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    beside = Settings(database_url=f"sqlite:///{tmp_path}/auth.db", data_dir=tmp_path)
    elsewhere = Settings(database_url=f"sqlite:///{tmp_path}/db/auth.db", data_dir=tmp_path)
    kek_file = {"AUTH_KEY_ENCRYPTION_KEY_FILE": str(tmp_path / "db" / "kek")}
    with caplog.at_level(logging.WARNING):
        warn_if_key_beside_database(elsewhere, {})
        assert not caplog.records
        warn_if_key_beside_database(beside, {})
        warn_if_key_beside_database(
            Settings(database_url=elsewhere.database_url, key_encryption_key="k"), kek_file
        )
    assert len(caplog.records) == 2
    assert all("database's directory" in r.getMessage() for r in caplog.records)
