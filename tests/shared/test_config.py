"""Settings read from flags, the environment, and secret files."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import Reader, SettingError


def test_the_flag_wins_over_the_environment() -> None:
    reader = Reader({"X_PORT": "1"}, {"X_PORT": "2"})
    assert reader.integer("X_PORT", 0, low=1, high=9) == 2


def test_a_secret_arrives_through_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "pepper"
    secret.write_text("s3cret-value\n")
    secret.chmod(0o600)
    reader = Reader({"X_PEPPER_FILE": str(secret)}, {})
    assert reader.raw("X_PEPPER") == "s3cret-value"


def test_the_variable_itself_wins_over_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "pepper"
    secret.write_text("from-file")
    secret.chmod(0o600)
    reader = Reader({"X_PEPPER": "direct", "X_PEPPER_FILE": str(secret)}, {})
    assert reader.raw("X_PEPPER") == "direct"


def test_an_unreadable_secret_file_names_the_setting(tmp_path: Path) -> None:
    reader = Reader({"X_PEPPER_FILE": str(tmp_path / "missing")}, {})
    with pytest.raises(SettingError) as caught:
        reader.raw("X_PEPPER")
    assert caught.value.name == "X_PEPPER_FILE"
    assert "FileNotFoundError" in str(caught.value)


def test_an_empty_value_counts_as_unset() -> None:
    assert Reader({"X_HOST": ""}, {}).text("X_HOST", "default") == "default"
