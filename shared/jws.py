"""A compact JWS (RFC 7515 §7.1) taken apart strictly, before anything in it is trusted."""

from __future__ import annotations

import binascii
import json
from typing import Any

import jwt
import orjson

from shared.errors import InvalidToken

# base64url to base64 (RFC 4648 §5); '+', '/' and '=' are not base64url without padding, so
# they become a byte that strict decoding refuses.
_TO_BASE64 = bytes.maketrans(b"-_+/=", b"+/!!!")


# RFC 4648 §3.5: the bits a final partial group leaves unused must be zero. Only these final
# characters leave them so, after 2 (of 4) and 3 characters; any other makes a second spelling
# of the same bytes, which a token or proof replayed under a new string would use.
_CANONICAL_LAST = {2: frozenset(b"AQgw"), 3: frozenset(b"AEIMQUYcgkosw048")}


class _Duplicate(ValueError):
    """A JSON object names a member twice."""


def split_compact(token: bytes) -> tuple[bytes, bytes, bytes]:
    """The three base64url parts: header, payload, signature (RFC 7515 §7.1)."""
    parts = token.split(b".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise InvalidToken("the token is not a signed JWT")
    return parts[0], parts[1], parts[2]


def decode_part(part: bytes) -> bytes:
    """Base64url without padding (RFC 7515 §2), nothing outside its alphabet, canonical."""
    last = _CANONICAL_LAST.get(len(part) % 4)
    if last is not None and part[-1] not in last:
        raise InvalidToken("the token is malformed")
    try:
        return binascii.a2b_base64(
            part.translate(_TO_BASE64) + b"=" * (-len(part) % 4), strict_mode=True
        )
    except binascii.Error:
        raise InvalidToken("the token is malformed") from None


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
    data = decode_part(part)
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        value = None
    # Text that is exactly orjson's own encoding of what it parsed has no repeated member,
    # as a dict has none; any other text (spaces, escapes, floats) takes the strict parser.
    if isinstance(value, dict) and orjson.dumps(value) == data:
        return value
    try:
        text = data.decode("utf-8")
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
