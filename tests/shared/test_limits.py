"""Limits every service applies, over raw sockets: slow bodies, slow headers, huge headers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from shared import http
from shared.http import error_middleware, read_body, read_form
from shared.serve import MAX_FIELD_SIZE, Listener, runner_options


async def form(request: web.Request) -> web.Response:
    fields = await read_form(request)
    return web.json_response({"fields": len(fields)})


async def body(request: web.Request) -> web.Response:
    return web.json_response({"bytes": len(await read_body(request, 1024))})


@dataclass(frozen=True)
class Server:
    host: str
    port: int


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Server]:
    """A small app served as the services serve theirs (shared/serve.py), on loopback."""
    monkeypatch.setattr(http, "BODY_TIMEOUT_SECONDS", 0.5)
    app = web.Application(middlewares=[error_middleware])
    app.router.add_post("/form", form)
    app.router.add_put("/body", body)
    options = runner_options(keepalive_timeout=1.0)
    runner = web.AppRunner(app, **options)
    await runner.setup()
    listener = Listener(runner, options)
    port = await listener.start("127.0.0.1", 0)
    yield Server("127.0.0.1", port)
    await listener.close()


async def exchange(server: Server, request: bytes, *, trickle: bytes = b"") -> bytes:
    """Send `request`, then `trickle` one byte at a time; everything the server answers."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request)
    await writer.drain()
    try:
        for byte in trickle:
            if reader.at_eof():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.2)
        return await asyncio.wait_for(read_response(reader), timeout=5)
    except ConnectionError:
        return b""
    finally:
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """One HTTP response (headers and Content-Length body), or whatever came before EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as partial:
        return partial.partial
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        ),
        0,
    )
    return head + await reader.readexactly(length)


def status_and_body(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, payload = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(payload)


@pytest.mark.parametrize(
    ("path", "method", "content_type"),
    [("/form", "POST", "application/x-www-form-urlencoded"), ("/body", "PUT", "text/plain")],
)
async def test_a_body_that_stalls_gets_408_json(
    server: Server, path: str, method: str, content_type: str
) -> None:
    started = time.monotonic()
    answer = await exchange(
        server,
        f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: {content_type}\r\n"
        "Content-Length: 100\r\n\r\na=1".encode(),
    )
    status, payload = status_and_body(answer)
    assert status == 408
    assert payload["error"] == "invalid_request"
    assert time.monotonic() - started < 5


async def test_headers_sent_slowly_are_cut_off(server: Server) -> None:
    started = time.monotonic()
    answer = await exchange(server, b"POST /form HTTP/1.1\r\n", trickle=b"X-Slow: " + b"a" * 40)
    assert b"200 OK" not in answer
    assert time.monotonic() - started < 5


async def test_a_header_over_the_limit_is_refused_without_an_echo(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    secret = b"s3cr3t" * (MAX_FIELD_SIZE // 6 + 10)
    answer = await exchange(
        server, b"POST /form HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + secret + b"\r\n\r\n"
    )
    status, payload = status_and_body(answer)
    assert status == 400
    assert payload["error"] == "invalid_request"
    assert b"s3cr3t" not in answer
    assert "s3cr3t" not in caplog.text


async def test_a_body_over_its_limit_is_413_json(server: Server) -> None:
    answer = await exchange(
        server, b"PUT /body HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000
    )
    status, payload = status_and_body(answer)
    assert status == 413
    assert payload["error"] == "invalid_request"


async def test_a_client_that_leaves_mid_body_leaves_no_traceback(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    _, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        b"POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded"
        b"\r\nContent-Length: 100\r\n\r\na=1"
    )
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.close()
    await asyncio.sleep(0.3)
    assert "Traceback" not in caplog.text
    assert "unexpected error" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
