"""Registration rules as pure functions: redirect URIs (RFC 8252, RFC 9700 §2.1) and the names
people are shown."""

from __future__ import annotations

import pytest

from auth_server.clients.policy import ClientPolicyError, RedirectUriError, check_name
from auth_server.clients.redirect_uris import (
    InvalidRedirectUri,
    check_redirect_uri,
    redirect_uri_matches,
    shown_host,
)


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/callback",
        "https://app.example:8443/cb?x=1",
        "https://xn--bcher-kva.example/cb",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:8080/callback",
        "http://[::1]:8080/callback",
        "http://localhost:3000/callback",
        "com.example.app:/oauth2redirect",
        "com.example.app://callback",
    ],
)
def test_allowed_redirect_uris(uri: str) -> None:
    assert check_redirect_uri(uri) == uri


@pytest.mark.parametrize(
    "uri",
    [
        "https://user:pass@app.example/cb",  # userinfo
        "https://evil.example@app.example/cb",
        "https://app.example/cb#frag",
        "https://app.example/cb#",
        "https://app.example\\@evil.example/cb",  # backslash
        "https://app.example/c b",
        "https://app.example/cb\t",
        "https://app.example/cb\x00",
        "https://app.example/cb\x7f",
        "https://bücher.example/cb",  # non-ASCII host: punycode only
        "https://app.example/caf\u00e9",
        "https://app.example/\u202ecb",
        "http://app.example/callback",  # http off loopback
        "http://127.0.0.2/callback",
        "http://127.0.0.1.evil.example/cb",
        "javascript:alert(1)",
        "JavaScript://app.example/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "myapp:/callback",  # private-use scheme without a dot
        "ftp://app.example/cb",
        "https:///cb",
        "/relative/callback",
        "https://app.example:99999/cb",
    ],
)
def test_refused_redirect_uris(uri: str) -> None:
    with pytest.raises(InvalidRedirectUri):
        check_redirect_uri(uri)


@pytest.mark.parametrize(
    ("given", "registered"),
    [
        ("http://127.0.0.1:51234/callback", "http://127.0.0.1/callback"),
        ("http://127.0.0.1/callback", "http://127.0.0.1:8080/callback"),
        ("http://[::1]:40000/cb?x=1", "http://[::1]/cb?x=1"),
        ("https://app.example/callback", "https://app.example/callback"),
    ],
)
def test_loopback_ip_redirect_uris_match_any_port(given: str, registered: str) -> None:
    assert redirect_uri_matches(given, registered)


@pytest.mark.parametrize(
    ("given", "registered"),
    [
        ("http://localhost:51234/callback", "http://localhost/callback"),  # names: exact
        ("http://127.0.0.1:5000/other", "http://127.0.0.1/callback"),
        ("http://[::1]:5000/callback", "http://127.0.0.1/callback"),
        ("https://127.0.0.1:5000/callback", "http://127.0.0.1/callback"),
        ("http://u@127.0.0.1:5000/callback", "http://127.0.0.1/callback"),
        ("http://127.0.0.1:5000/callback#x", "http://127.0.0.1/callback"),
        ("https://app.example:444/callback", "https://app.example/callback"),
        ("https://app.example/callback/", "https://app.example/callback"),
    ],
)
def test_everything_else_is_an_exact_match(given: str, registered: str) -> None:
    assert not redirect_uri_matches(given, registered)


def test_people_are_shown_the_host_or_the_apps_scheme() -> None:
    assert shown_host("https://app.example:8443/cb") == "app.example"
    assert shown_host("com.example.app:/cb") == "com.example.app:"


def test_a_refused_redirect_uri_is_a_policy_error() -> None:
    assert issubclass(RedirectUriError, ClientPolicyError)


@pytest.mark.parametrize(
    "name",
    [
        "Photo\u202eretnirP",  # right-to-left override
        "Photo\u200bPrinter",  # zero-width space (format)
        "Photo\u2028Printer",  # line separator
        "Photo\u2029Printer",  # paragraph separator
        "Photo\x1bPrinter",
        "Photo\x85Printer",  # C1 control
        "\u200e",
        "   ",
    ],
)
def test_names_with_hidden_characters_are_refused(name: str) -> None:
    with pytest.raises(ClientPolicyError):
        check_name(name)


def test_names_are_nfkc_normalised() -> None:
    assert check_name("\uff30\uff48\uff4f\uff54\uff4f \ufb01x") == "Photo fix"
