"""Settings: parsed once, and the table in docs/settings.md in step with them."""

from __future__ import annotations

import re

import pytest

from auth_server.settings import OPTIONS, Settings
from shared.config import SettingError
from tests.documentation import page


def test_the_table_lists_every_setting_and_no_other() -> None:
    documented = set(re.findall(r"^\| `(AUTH_[A-Z_]+)` \|", page("settings"), re.MULTILINE))
    assert documented == {option.env for option in OPTIONS}


def test_defaults_follow_the_spec() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.issuer == "http://127.0.0.1:8000"
    assert settings.database_url == "sqlite:///var/auth.db"
    assert settings.access_token_ttl == 900
    assert settings.default_audience == "http://127.0.0.1:8001"
    assert settings.jwks_max_age == 300


def test_issuer_follows_host_and_port() -> None:
    settings = Settings.from_env({"AUTH_HOST": "::1", "AUTH_PORT": "9000"})
    assert settings.issuer == "http://[::1]:9000"


def test_flag_wins_over_environment() -> None:
    settings = Settings.from_env({"AUTH_PORT": "9000"}, {"AUTH_PORT": "9001"})
    assert settings.port == 9001


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AUTH_PORT", "70000"),
        ("AUTH_ISSUER", "https://example.com/?x=1"),
        ("AUTH_ISSUER", "https://example.com/#f"),
        ("AUTH_DEFAULT_AUDIENCE", "not a url"),
        ("AUTH_SCOPES", 'read "quoted"'),
        ("AUTH_LOG_LEVEL", "loud"),
        ("AUTH_DATABASE_URL", "sqlite://"),
        ("AUTH_REGISTRATION_TOKEN", "too-short"),
        ("AUTH_REGISTRATION_TOKEN", "has a space in it, which Bearer cannot carry"),
        ("AUTH_REGISTRATION", "token"),  # without AUTH_REGISTRATION_TOKEN
        ("AUTH_REGISTRATION", "anyone"),
        ("AUTH_CLIENT_ID_METADATA_DOCUMENTS", "yes"),
        ("AUTH_AUDIENCES", "https://api.example, not-a-url"),
        ("AUTH_CORS_ORIGINS", "https://app.example/path"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env({name: value})
    assert caught.value.name == name
    assert str(caught.value).startswith(name)


def test_registration_is_closed_unless_a_token_is_set() -> None:
    assert Settings.from_env({}).registration_token is None
    token = "x" * 32
    settings = Settings.from_env({}, {"AUTH_REGISTRATION_TOKEN": token})
    assert settings.registration_token == token
    assert token not in repr(settings)
    assert (Settings.from_env({}).registration_mode, settings.registration_mode) == (
        "closed",
        "token",
    )
    assert Settings.from_env({"AUTH_REGISTRATION": "open"}).registration_mode == "open"


@pytest.mark.parametrize("value", ["EdDSA", "eddsa", " EDDSA "])
def test_eddsa_is_read_in_any_case_and_kept_by_its_registered_name(value: str) -> None:
    assert Settings.from_env({"AUTH_SIGNING_ALG": value}).signing_alg == "EdDSA"
