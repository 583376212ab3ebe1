"""Resource indicators (RFC 8707): which `aud` a token request may have."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shared.errors import InvalidTarget

MAX_RESOURCES = 10
_URI_CHARACTERS = re.compile(r"[\x21-\x7e]+")


def check_resource(resource: str) -> None:
    """RFC 8707 §2: an absolute URI without a fragment; and printable ASCII, since an
    indicator we do not serve is named in the error (RFC 3986 §2: others are escaped)."""
    parts = urlsplit(resource)
    if not _URI_CHARACTERS.fullmatch(resource):
        raise InvalidTarget("resource must be a URI of printable ASCII characters")
    if not parts.scheme or not parts.netloc or "#" in resource:
        raise InvalidTarget("resource must be an absolute URI without a fragment")


def choose_audience(
    resources: list[str], allowed: tuple[str, ...], default_audience: str
) -> tuple[str, ...]:
    """The requested resources if all are allowed; with none, the default (or the only one)."""
    if not resources:
        if default_audience in allowed:
            return (default_audience,)
        return (allowed[0],)
    if len(resources) > MAX_RESOURCES:
        raise InvalidTarget(f"at most {MAX_RESOURCES} resource parameters")
    for resource in resources:
        check_resource(resource)
        if resource not in allowed:
            raise InvalidTarget(f"this client may not get tokens for {resource}")
    return tuple(dict.fromkeys(resources))


def narrow_audience(resources: list[str], granted: tuple[str, ...]) -> tuple[str, ...]:
    """RFC 8707 §2.2: a token request may name some of the granted resources, no others."""
    if not resources:
        return granted
    for resource in resources:
        check_resource(resource)
        if resource not in granted:
            raise InvalidTarget(f"{resource} was not part of the authorization")
    return tuple(dict.fromkeys(resources))
