"""Building blocks of both services' OpenAPI 3.1 documents: references, JSON bodies, error
bodies (RFC 6749 §5.2, RFC 6750 §3), headers, and the handler that serves a document."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

OPENAPI_VERSION = "3.1.0"
Schema = dict[str, Any]


def ref(kind: str, name: str) -> Schema:
    """A reference into `components`."""
    return {"$ref": f"#/components/{kind}/{name}"}


def json_content(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def response(description: str, content: Schema | None = None, **headers: Schema) -> Schema:
    """A response that, like every answer, carries X-Request-ID."""
    answer: Schema = {
        "description": description,
        "headers": {"X-Request-ID": ref("headers", "X-Request-ID"), **headers},
    }
    if content is not None:
        answer["content"] = content
    return answer


def error_body(*codes: str) -> Schema:
    """`{"error", "error_description"?}`, `error` one of `codes`."""
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "enum": list(codes)},
            "error_description": {"type": "string"},
        },
        "additionalProperties": False,
    }


def header(description: str, schema: Schema, *, required: bool = True) -> Schema:
    return {"description": description, "required": required, "schema": schema}


def request_id_header() -> Schema:
    """The header every answer of both services carries."""
    return header(
        "The caller's X-Request-ID when short and plain, else a fresh one.",
        {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
    )


def common_headers() -> Schema:
    """The header components both documents define: X-Request-ID, the RFC 6749 §5.1 pair
    that forbids caching (NoStore, Pragma), and Retry-After."""
    return {
        "X-Request-ID": request_id_header(),
        "NoStore": header("Never cached.", {"type": "string", "const": "no-store"}),
        "Pragma": header("Never cached (HTTP/1.0).", {"type": "string", "const": "no-cache"}),
        "Retry-After": header(
            "Seconds to wait before trying again.", {"type": "string", "pattern": "^[0-9]+$"}
        ),
    }


def no_store() -> Schema:
    """RFC 6749 §5.1: `Cache-Control: no-store` and `Pragma: no-cache`."""
    return {"Cache-Control": ref("headers", "NoStore"), "Pragma": ref("headers", "Pragma")}


def document_handler(document: dict[str, Any]) -> Handler:
    """`GET /openapi.json`, its body rendered once."""
    body = json.dumps(document, separators=(",", ":")).encode()

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, content_type="application/json")

    return handler
