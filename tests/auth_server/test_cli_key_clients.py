"""`client create` with `--jwks`, `--jwks-uri` and `--dpop-bound` (SPEC's command line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.auth_server.conftest import random_secret
from tests.auth_server.keyflows import jwks
from tests.dpop_proofs import ProofKey


def _create(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "auth_server", "client", "create", "--name", "k", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_key_clients_and_dpop_bound_clients_from_the_command_line(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": database_url,
        "AUTH_DATA_DIR": str(tmp_path),
        "AUTH_KEY_ENCRYPTION_KEY": random_secret(),
        "AUTH_SECRET_PEPPER": random_secret(),
    }
    key = ProofKey("ES256")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(jwks(key)))
    made = _create(env, "--jwks", str(keys), "--dpop-bound", "--json")
    assert made.returncode == 0, made.stderr
    shown = json.loads(made.stdout)
    assert "client_secret" not in shown
    assert shown["token_endpoint_auth_method"] == "private_key_jwt"
    assert shown["dpop_bound_access_tokens"] is True
    assert shown["jwks"] == jwks(key)
    uri = _create(env, "--jwks-uri", "https://keys.example/jwks", "--json")
    assert json.loads(uri.stdout)["jwks_uri"] == "https://keys.example/jwks"
    keys.write_text(json.dumps({"keys": [key.private_jwk]}))
    private = _create(env, "--jwks", str(keys))
    assert private.returncode != 0
    assert "public keys only" in private.stderr
