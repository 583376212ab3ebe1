"""The audit trail: one record on the `audit` logger for each security-relevant event (sign-in,
consent, failed client authentication, revocation, refresh-token reuse, and every change to
clients, users and keys), formatted like every other log line (JSON with `*_LOG_FORMAT=json`).

A record carries `event`, `outcome` and, where known, `client_id`, `user_id`, `address` and
`request_id`: identifiers only, never a password, secret, token or code.
"""

from __future__ import annotations

import logging

from aiohttp import web

from shared.request_context import REQUEST_ID, client_address, current_request_id

AUDIT_LOGGER = "audit"
_log = logging.getLogger(AUDIT_LOGGER)


def audit(
    event: str,
    outcome: str,
    request: web.BaseRequest | None = None,
    *,
    client_id: str | None = None,
    user_id: str | None = None,
) -> None:
    """Write one audit record; `request` supplies the address and request id."""
    fields: dict[str, str] = {"event": event, "outcome": outcome}
    if client_id is not None:
        fields["client_id"] = client_id
    if user_id is not None:
        fields["user_id"] = user_id
    if request is not None:
        fields["address"] = client_address(request)
    request_id = request.get(REQUEST_ID) if request is not None else current_request_id.get()
    if request_id is not None:
        fields["request_id"] = request_id
    _log.info("%s %s", event, outcome, extra=fields)
