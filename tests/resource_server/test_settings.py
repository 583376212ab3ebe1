"""Settings: parsed once, and the table in docs/settings.md in step with them."""

from __future__ import annotations

import re

import pytest

from resource_server.settings import OPTIONS, Settings
from shared.config import SettingError
from tests.documentation import page

ROW = re.compile(r"^\| `(RESOURCE_[A-Z_]+)` \| (.+?) \| (.+?) \|$", re.MULTILINE)


def test_the_table_lists_every_setting_and_no_other() -> None:
    documented = [match.group(1) for match in ROW.finditer(page("settings"))]
    assert sorted(documented) == sorted(option.env for option in OPTIONS)


def test_the_table_states_each_default() -> None:
    defaults = {match.group(1): match.group(3) for match in ROW.finditer(page("settings"))}
    for option in OPTIONS:
        assert defaults[option.env].replace("`", "") == (option.default or "unset"), option.env


def test_defaults_follow_the_spec() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port) == ("127.0.0.1", 8001)
    assert settings.identifier == "http://127.0.0.1:8001"
    assert settings.issuer == "http://127.0.0.1:8000"
    assert settings.jwks_uri is None
    assert settings.database_url == "sqlite:///var/resource.db"
    assert (settings.leeway, settings.algorithms, settings.jwks_cooldown) == (30, ("RS256",), 30)
    assert settings.revocation_poll_interval == 0
    assert settings == Settings()


def test_identifier_follows_host_and_port() -> None:
    settings = Settings.from_env({"RESOURCE_HOST": "::1", "RESOURCE_PORT": "9001"})
    assert settings.identifier == "http://[::1]:9001"


def test_flag_wins_over_environment() -> None:
    settings = Settings.from_env({"RESOURCE_LEEWAY": "10"}, {"RESOURCE_LEEWAY": "5"})
    assert settings.leeway == 5


def test_algorithms_are_a_comma_separated_list() -> None:
    settings = Settings.from_env({"RESOURCE_ALGORITHMS": "RS256, ES256,PS256,EdDSA"})
    assert settings.algorithms == ("RS256", "ES256", "PS256", "EdDSA")


def test_metadata_url_follows_rfc_9728_for_an_identifier_with_a_path() -> None:
    settings = Settings(identifier="https://api.example.com/v1")
    assert settings.metadata_path == "/.well-known/oauth-protected-resource/v1"
    assert (
        settings.metadata_url == "https://api.example.com/.well-known/oauth-protected-resource/v1"
    )


def test_polling_with_credentials_is_accepted() -> None:
    environ = {
        "RESOURCE_REVOCATION_POLL_INTERVAL": "5",
        "RESOURCE_CLIENT_ID": "rs",
        "RESOURCE_CLIENT_SECRET": "s3cret",
    }
    settings = Settings.from_env(environ)
    assert (settings.revocation_poll_interval, settings.client_id) == (5, "rs")
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "environ"),
    [
        ("RESOURCE_PORT", {"RESOURCE_PORT": "70000"}),
        ("RESOURCE_ISSUER", {"RESOURCE_ISSUER": "https://issuer.example/?x=1"}),
        ("RESOURCE_ISSUER", {"RESOURCE_ISSUER": "issuer.example"}),
        ("RESOURCE_IDENTIFIER", {"RESOURCE_IDENTIFIER": "not a url"}),
        ("RESOURCE_JWKS_URI", {"RESOURCE_JWKS_URI": "ftp://issuer.example/jwks"}),
        ("RESOURCE_DATABASE_URL", {"RESOURCE_DATABASE_URL": "mysql://x"}),
        ("RESOURCE_LEEWAY", {"RESOURCE_LEEWAY": "-1"}),
        ("RESOURCE_LEEWAY", {"RESOURCE_LEEWAY": "soon"}),
        ("RESOURCE_LEEWAY", {"RESOURCE_LEEWAY": "61"}),  # past the feed's 60 s margin
        ("RESOURCE_ALGORITHMS", {"RESOURCE_ALGORITHMS": "none"}),
        ("RESOURCE_ALGORITHMS", {"RESOURCE_ALGORITHMS": "NONE"}),
        ("RESOURCE_ALGORITHMS", {"RESOURCE_ALGORITHMS": "HS256"}),
        ("RESOURCE_ALGORITHMS", {"RESOURCE_ALGORITHMS": "RS256,none"}),
        ("RESOURCE_ALGORITHMS", {"RESOURCE_ALGORITHMS": ","}),
        ("RESOURCE_JWKS_COOLDOWN", {"RESOURCE_JWKS_COOLDOWN": "0"}),
        ("RESOURCE_SCOPES", {"RESOURCE_SCOPES": 'read "quoted"'}),
        ("RESOURCE_LOG_LEVEL", {"RESOURCE_LOG_LEVEL": "loud"}),
        ("RESOURCE_LOG_FORMAT", {"RESOURCE_LOG_FORMAT": "xml"}),
        ("RESOURCE_ACCOUNT_CACHE", {"RESOURCE_ACCOUNT_CACHE": "yes"}),
        ("RESOURCE_REVOCATION_POLL_INTERVAL", {"RESOURCE_REVOCATION_POLL_INTERVAL": "-5"}),
        ("RESOURCE_CLIENT_ID", {"RESOURCE_REVOCATION_POLL_INTERVAL": "5"}),
        (
            "RESOURCE_CLIENT_SECRET",
            {"RESOURCE_REVOCATION_POLL_INTERVAL": "5", "RESOURCE_CLIENT_ID": "rs"},
        ),
    ],
)
def test_bad_values_name_the_setting(name: str, environ: dict[str, str]) -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env(environ)
    assert caught.value.name == name
    assert str(caught.value).startswith(name)


def test_the_account_cache_is_on_unless_turned_off() -> None:
    assert Settings.from_env({}).account_cache is True
    assert Settings.from_env({"RESOURCE_ACCOUNT_CACHE": " OFF "}).account_cache is False
    assert Settings.from_env({"RESOURCE_ACCOUNT_CACHE": "on"}).account_cache is True
