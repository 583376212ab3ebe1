"""The audit trail: one record on the `audit` logger for each security-relevant event (sign-in,
consent, failed client authentication, revocation, refresh-token reuse, and every change to
clients, users and keys), formatted like every other log line (JSON with `*_LOG_FORMAT=json`).

A record carries `event`, `outcome` and, where known, `client_id`, `user_id`, `address` and
`request_id`: identifiers only, never a password, secret, token or code.
"""

from __future__ import annotations

import logging

from aiohttp import web

from shared.request_context import client_address, current_address, current_request_id

AUDIT_LOGGER = "audit"
_log = logging.getLogger(AUDIT_LOGGER)


def audit(
    event: str,
    outcome: str,
    request: web.BaseRequest | None = None,
    *,
    client_id: str | None = None,
    user_id: str | None = None,
    kid: str | None = None,
) -> None:
    """Write one audit record; the address and request id are those of the request being
    served (`request`, or the one the caller runs under), if any."""
    known = {
        "client_id": client_id,
        "user_id": user_id,
        "kid": kid,
        "address": client_address(request) if request is not None else current_address.get(),
        "request_id": current_request_id.get(),
    }
    fields = {"event": event, "outcome": outcome}
    fields.update((name, value) for name, value in known.items() if value is not None)
    _log.info("%s %s", event, outcome, extra=fields)
