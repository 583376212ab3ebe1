"""A compact JWS (RFC 7515 §7.1) taken apart strictly, before anything in it is trusted."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import jwt

from shared.errors import InvalidToken

_B64URL = re.compile(rb"[A-Za-z0-9_-]*")


class _Duplicate(ValueError):
    """A JSON object names a member twice."""


def split_compact(token: bytes) -> tuple[bytes, bytes, bytes]:
    """The three base64url parts: header, payload, signature (RFC 7515 §7.1)."""
    parts = token.split(b".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise InvalidToken("the token is not a signed JWT")
    return parts[0], parts[1], parts[2]


def decode_part(part: bytes) -> bytes:
    """Base64url without padding (RFC 7515 §2), nothing outside its alphabet."""
    if len(part) % 4 == 1 or not _B64URL.fullmatch(part):
        raise InvalidToken("the token is malformed")
    return base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise _Duplicate
    return members


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_object(part: bytes) -> dict[str, Any]:
    """A base64url part as a UTF-8 JSON object in which no member name repeats
    (RFC 7515 §5.2 step 4, RFC 7519 §7.2 step 10: reject duplicates)."""
    try:
        text = decode_part(part).decode("utf-8")
        value = json.loads(text, object_pairs_hook=_unique, parse_constant=_refuse_constant)
    except _Duplicate:
        raise InvalidToken("the token repeats a JSON member") from None
    except (ValueError, RecursionError):
        raise InvalidToken("the token is malformed") from None
    if not isinstance(value, dict):
        raise InvalidToken("the token is malformed")
    return value


def verify_signature(key: jwt.PyJWK, signing_input: bytes, signature: bytes) -> bool:
    """RFC 7515 §5.2 step 8 with the algorithm object bound to the key: the one the
    allow-list, the JWKS and the token's header agreed on (RFC 8725 §3.1)."""
    try:
        return bool(key.Algorithm.verify(signing_input, key.key, signature))
    except (ValueError, TypeError):
        return False
