"""Opening the authorization server's storage: shared by `serve` and the command line."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from auth_server.clients.registrations import Registrations
from auth_server.clients.registry import ClientRepository
from auth_server.device.codes import DeviceCodes
from auth_server.device.throttle import UserCodeThrottle
from auth_server.migrations import COMPONENT, MIGRATIONS
from auth_server.settings import Settings
from auth_server.signin.codes import AuthorizationCodes
from auth_server.signin.consents import Consents
from auth_server.signin.sessions import Sessions
from auth_server.signin.throttle import SignInThrottle
from auth_server.signin.users import UserRepository
from auth_server.signing.server_secrets import ServerSecrets
from auth_server.signing.store import KeyRepository
from auth_server.tokens.refresh import RefreshTokens
from auth_server.tokens.revocations import RevokedAccessTokens
from shared.db import Database, migrate, open_database
from shared.throttle import Throttle

_PEPPER_CHECK = "secret_pepper_check"


class SecretMismatch(Exception):
    """The configured pepper is not the one this database's digests were made with."""


@dataclass(frozen=True, slots=True)
class Storage:
    """The database and the repositories over it."""

    database: Database
    server_secrets: ServerSecrets
    clients: ClientRepository
    keys: KeyRepository
    users: UserRepository
    sessions: Sessions
    consents: Consents
    codes: AuthorizationCodes
    refresh_tokens: RefreshTokens
    throttle: SignInThrottle
    attempts: Throttle
    revoked: RevokedAccessTokens
    registrations: Registrations
    device_codes: DeviceCodes
    user_code_throttle: UserCodeThrottle
    migrated: tuple[int, ...] = ()  # the schema versions this opening applied


async def open_storage(settings: Settings) -> Storage:
    """Connect, migrate and check the secrets; the caller closes `storage.database`."""
    server_secrets = ServerSecrets.load(settings)
    database = await open_database(settings.database_url)
    try:
        migrated = await migrate(database, COMPONENT, MIGRATIONS)
        await _check_pepper(database, server_secrets)
    except BaseException:
        await database.close()
        raise
    clients = ClientRepository(database, server_secrets)
    attempts = Throttle(database)
    return Storage(
        database=database,
        server_secrets=server_secrets,
        clients=clients,
        keys=KeyRepository(database, server_secrets),
        users=UserRepository(database),
        sessions=Sessions(database, server_secrets, settings.session_ttl),
        consents=Consents(database),
        codes=AuthorizationCodes(database, server_secrets),
        refresh_tokens=RefreshTokens(
            database,
            server_secrets,
            settings.refresh_token_ttl,
            settings.refresh_token_max_age,
        ),
        throttle=SignInThrottle(attempts),
        attempts=attempts,
        revoked=RevokedAccessTokens(database),
        registrations=Registrations(database, server_secrets, clients),
        device_codes=DeviceCodes(
            database,
            server_secrets,
            ttl=settings.device_code_ttl,
            interval=settings.device_poll_interval,
        ),
        user_code_throttle=UserCodeThrottle(database),
        migrated=tuple(migrated),
    )


async def _check_pepper(database: Database, server_secrets: ServerSecrets) -> None:
    """Record the pepper's fingerprint once; refuse to run with a different one later,
    since every stored secret digest would silently stop matching."""
    fingerprint = server_secrets.digest("pepper-fingerprint")
    await database.execute(
        "INSERT INTO server_metadata (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        _PEPPER_CHECK,
        fingerprint,
    )
    stored = await database.fetchval(
        "SELECT value FROM server_metadata WHERE name = $1", _PEPPER_CHECK
    )
    if not hmac.compare_digest(str(stored), fingerprint):
        raise SecretMismatch(
            "AUTH_SECRET_PEPPER is not the pepper this database's client secrets were stored"
            " under; use the original value"
        )
