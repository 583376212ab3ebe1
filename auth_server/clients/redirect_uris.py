"""Redirect URIs (RFC 8252, RFC 9700 §2.1 and §4.1): which may be registered, and when the one
an authorization request names is a registered one. Pure functions."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

# RFC 8252 §7.3: loopback redirects use an IP literal; `localhost` is accepted at registration
# (older native apps use it) but, as a name that could resolve elsewhere, matched exactly.
LOOPBACK_IPS = frozenset({"127.0.0.1", "::1"})
LOCALHOST = "localhost"
# Schemes that run or read something in the browser instead of reaching an app.
REFUSED_SCHEMES = frozenset({"javascript", "data", "file", "vbscript"})
# RFC 8252 §7.1: a private-use scheme is a reverse domain name, so it holds a dot.
_PRIVATE_USE_SCHEME = re.compile(r"[a-z][a-z0-9+\-]*(\.[a-z0-9+\-]+)+")
# Printable ASCII without space and backslash: hosts in punycode, everything else escaped.
_ALLOWED = re.compile(r"[\x21-\x5b\x5d-\x7e]+")


class InvalidRedirectUri(ValueError):
    """A redirect URI that may not be registered; the message says why."""


def _split(uri: str) -> SplitResult:
    if not _ALLOWED.fullmatch(uri):
        raise InvalidRedirectUri(
            "redirect URI must be printable ASCII without spaces or backslashes"
            f" (hosts in punycode): {uri!r}"
        )
    if "#" in uri:
        raise InvalidRedirectUri(f"redirect URI must not have a fragment: {uri!r}")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InvalidRedirectUri(f"redirect URI is not a valid URI: {uri!r}") from None
    if "@" in parts.netloc:
        raise InvalidRedirectUri(f"redirect URI must not have userinfo: {uri!r}")
    return parts


def check_redirect_uri(uri: str) -> str:
    """The URI if it may be registered: https, loopback http, or a private-use scheme."""
    parts = _split(uri)
    scheme = parts.scheme.lower()
    if scheme in REFUSED_SCHEMES:
        raise InvalidRedirectUri(f"redirect URI scheme {scheme!r} is not allowed: {uri!r}")
    if scheme == "https":
        if not parts.hostname:
            raise InvalidRedirectUri(f"redirect URI needs a host: {uri!r}")
        return uri
    if scheme == "http":
        if parts.hostname in LOOPBACK_IPS or parts.hostname == LOCALHOST:
            return uri
        raise InvalidRedirectUri(f"redirect URI must use https unless on loopback: {uri!r}")
    if _PRIVATE_USE_SCHEME.fullmatch(scheme):
        return uri  # RFC 8252 §7.1: com.example.app:/callback
    raise InvalidRedirectUri(
        "redirect URI must be https, http on 127.0.0.1 or [::1], or a reverse-domain"
        f" private-use scheme such as com.example.app:/callback: {uri!r}"
    )


def _loopback_without_port(uri: str) -> str | None:
    """A loopback IP http URI with its port removed; None for any other URI."""
    try:
        parts = _split(uri)
    except InvalidRedirectUri:
        return None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_IPS:
        return None
    host = "[::1]" if parts.hostname == "::1" else parts.hostname
    return urlunsplit(parts._replace(netloc=host))


def redirect_uri_matches(given: str, registered: str) -> bool:
    """Exact string match (RFC 9700 §2.1), except that a registered loopback IP URI matches
    the same URI on any port (RFC 8252 §7.3: native apps listen on an ephemeral port)."""
    if given == registered:
        return True
    bare = _loopback_without_port(registered)
    return bare is not None and _loopback_without_port(given) == bare


def shown_host(uri: str) -> str:
    """What a person is told they will be sent back to: the host, or an app's scheme."""
    parts = urlsplit(uri)
    return parts.hostname or f"{parts.scheme}:"
