"""The compose.yaml deployment as processes (issue 17): Caddy with the repository's Caddyfile
in front of two auth servers and two resource servers on one PostgreSQL database. Through the
proxy: tokens and accounts, the README's walkthrough, the sign-in throttle per forwarded
address, revocation reaching both resource servers, and an auth server killed under load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import through_the_proxy as check
from tests.proxied import proxied_stack

pytestmark = pytest.mark.skipif(
    shutil.which("caddy") is None, reason="needs Debian's caddy (make test installs it)"
)


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_the_deployment_keeps_its_promises_behind_the_proxy(
    database_url: str, tmp_path: Path
) -> None:
    with proxied_stack(database_url, tmp_path) as stack:
        check.check_tokens_and_accounts(stack)
        check.check_walkthrough(stack)
        check.check_sign_in_throttle_is_per_address(stack)
        assert check.check_revocation_reaches_both_resource_servers(stack) <= 15
        check.check_an_auth_server_killed_mid_load(stack)
