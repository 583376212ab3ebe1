"""The authorization server's tables, as versioned migrations."""

from __future__ import annotations

from auth_server.clients.cache import CHANGE_COUNTS
from auth_server.clients.throttle import MIGRATION as CLIENT_AUTH_COUNTS
from auth_server.device.schema import MIGRATIONS as DEVICE_MIGRATIONS
from shared import throttle
from shared.db import Migration

COMPONENT = "auth_server"

# The deny-list of revoked access tokens. `seq` orders the revocation feed; see
# auth_server/tokens/revocations.py for why it is safe as a cursor.
_REVOKED_ACCESS_TOKENS = """
CREATE TABLE revoked_access_tokens (
    seq {seq},
    jti TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    exp BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
)
"""
_MIGRATION_3 = (
    "CREATE INDEX revoked_access_tokens_exp ON revoked_access_tokens (exp)",
    # RFC 7592 §3: the registration access token, stored only as a keyed digest.
    """
    CREATE TABLE registration_tokens (
        client_id TEXT PRIMARY KEY REFERENCES clients (client_id) ON DELETE CASCADE,
        token_digest TEXT NOT NULL UNIQUE,
        issued_at BIGINT NOT NULL
    )
    """,
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "server metadata, signing keys, clients",
        (
            """
            CREATE TABLE server_metadata (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE signing_keys (
                kid TEXT PRIMARY KEY,
                alg TEXT NOT NULL,
                state TEXT NOT NULL,
                public_jwk TEXT NOT NULL,
                private_key TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                signing_from BIGINT NOT NULL,
                retire_at BIGINT
            )
            """,
            """
            CREATE TABLE clients (
                client_id TEXT PRIMARY KEY,
                client_name TEXT NOT NULL,
                secret_digest TEXT,
                token_endpoint_auth_method TEXT NOT NULL,
                grant_types TEXT NOT NULL,
                scope TEXT NOT NULL,
                redirect_uris TEXT NOT NULL,
                audiences TEXT NOT NULL,
                introspect BOOLEAN NOT NULL DEFAULT FALSE,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ),
    ),
    Migration(
        2,
        "users, browser sessions, consents, authorization codes, refresh tokens, throttling",
        (
            """
            CREATE TABLE users (
                user_id TEXT PRIMARY KEY,
                username TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                disabled BOOLEAN NOT NULL DEFAULT FALSE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE browser_sessions (
                session_digest TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
                auth_time BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX browser_sessions_expiry ON browser_sessions (expires_at)",
            """
            CREATE TABLE consents (
                user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
                client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
                scope TEXT NOT NULL,
                granted_at BIGINT NOT NULL,
                PRIMARY KEY (user_id, client_id, scope)
            )
            """,
            """
            CREATE TABLE token_families (
                family_id TEXT PRIMARY KEY,
                client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
                scope TEXT NOT NULL,
                audience TEXT NOT NULL,
                auth_time BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            """
            CREATE TABLE authorization_codes (
                code_digest TEXT PRIMARY KEY,
                client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
                redirect_uri TEXT NOT NULL,
                redirect_uri_given BOOLEAN NOT NULL,
                code_challenge TEXT NOT NULL,
                scope TEXT NOT NULL,
                audience TEXT NOT NULL,
                auth_time BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                family_id TEXT
            )
            """,
            "CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at)",
            """
            CREATE TABLE refresh_tokens (
                token_digest TEXT PRIMARY KEY,
                family_id TEXT NOT NULL REFERENCES token_families (family_id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
            """
            CREATE TABLE login_failures (
                throttle_key TEXT PRIMARY KEY,
                window_start BIGINT NOT NULL,
                failures INTEGER NOT NULL
            )
            """,
        ),
    ),
    Migration(
        3,
        "revoked access tokens (the deny-list and its feed), registration access tokens",
        # BIGSERIAL's sequence has CACHE 1, so numbers follow allocation order. SQLite's
        # AUTOINCREMENT never reuses the number of a pruned last row, which a feed reader
        # holding that number as its cursor would otherwise skip.
        postgresql=(
            _REVOKED_ACCESS_TOKENS.format(seq="BIGSERIAL PRIMARY KEY"),
            *_MIGRATION_3,
        ),
        sqlite=(
            _REVOKED_ACCESS_TOKENS.format(seq="INTEGER PRIMARY KEY AUTOINCREMENT"),
            *_MIGRATION_3,
        ),
    ),
    Migration(
        4,
        "signing keys: when a retired key leaves the JWKS",
        # Epoch seconds; NULL while the key has no successor (see auth_server/signing/schedule.py).
        ("ALTER TABLE signing_keys ADD COLUMN remove_at BIGINT",),
    ),
    Migration(
        5,
        "access tokens issued under a user's grant, so that ending the grant revokes them",
        (
            # `grant_key`: the refresh-token family, or for a code that started none, the
            # code's digest. One row per token of the code and refresh grants only, kept until
            # the token expires; client_credentials tokens still write nothing.
            """
            CREATE TABLE grant_access_tokens (
                jti TEXT PRIMARY KEY,
                grant_key TEXT NOT NULL,
                client_id TEXT NOT NULL,
                exp BIGINT NOT NULL
            )
            """,
            "CREATE INDEX grant_access_tokens_grant ON grant_access_tokens (grant_key)",
            "CREATE INDEX grant_access_tokens_exp ON grant_access_tokens (exp)",
        ),
    ),
    Migration(
        6,
        "a notification for every changed or deleted client, for the servers' client caches",
        # PostgreSQL only: SQLite has no NOTIFY, and there the servers cache no clients.
        # Whoever changes the row (a server, the CLI, an operator's SQL), every listening
        # auth server drops the client from its cache once the change commits.
        postgresql=(
            """
            CREATE FUNCTION notify_client_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('oauth_clients_changed', OLD.client_id);
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER clients_changed AFTER UPDATE OR DELETE ON clients
            FOR EACH ROW EXECUTE FUNCTION notify_client_changed()
            """,
        ),
        sqlite=(),
    ),
    Migration(
        11,
        "OpenID Connect: users' claims, post-logout redirect URIs, nonces, ID-token keys",
        (
            "ALTER TABLE users ADD COLUMN email TEXT",
            "ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE users ADD COLUMN name TEXT",
            "ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]'",
            # OpenID Connect Core §3.1.2.1: the nonce goes from the request into the ID token.
            "ALTER TABLE authorization_codes ADD COLUMN nonce TEXT",
            # `access` keys sign access tokens (and ID tokens when they are RS256 keys);
            # `id_token` keys are the RS256 keys kept for ID tokens beside keys of another alg.
            "ALTER TABLE signing_keys ADD COLUMN purpose TEXT NOT NULL DEFAULT 'access'",
        ),
    ),
    Migration(
        9,
        "authorization codes by client and code_challenge, to spot a reused challenge",
        (
            "CREATE INDEX authorization_codes_challenge"
            " ON authorization_codes (client_id, code_challenge)",
        ),
    ),
    Migration(
        10,
        "deny-list entries for every token of a deleted client or a disabled user",
        (
            # `subject_kind` is 'client_id' or 'sub' and `subject` its value: tokens with that
            # claim issued at or before `issued_before` are void. Their `jti` is a key of
            # their own ('client_id:ID@TIME'), never a token's (ours have no ':').
            "ALTER TABLE revoked_access_tokens ADD COLUMN subject_kind TEXT",
            "ALTER TABLE revoked_access_tokens ADD COLUMN subject TEXT",
            "ALTER TABLE revoked_access_tokens ADD COLUMN issued_before BIGINT",
            "CREATE INDEX revoked_access_tokens_subject ON revoked_access_tokens (subject)",
        ),
    ),
    Migration(
        7,
        "one attempt-count table for every throttle, counted before a credential is checked",
        (throttle.TABLE, throttle.INDEX, "DROP TABLE login_failures"),
    ),
    Migration(
        18,
        "where a client came from, and the client metadata documents fetched for it",
        (
            # operator, registration, open_registration or metadata_document (clients/registry.py)
            "ALTER TABLE clients ADD COLUMN source TEXT NOT NULL DEFAULT 'operator'",
            # draft-ietf-oauth-client-id-metadata-document: a client whose id is its document's
            # URL, stored in `clients` like any other, refetched once `expires_at` has passed.
            """
            CREATE TABLE client_metadata_documents (
                client_id TEXT PRIMARY KEY REFERENCES clients (client_id) ON DELETE CASCADE,
                fetched_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
        ),
    ),
    Migration(
        15,
        "DPoP (RFC 9449) and private_key_jwt (RFC 7523): single-use jtis, client keys, bound"
        " refresh tokens",
        (
            # One row per DPoP proof or client assertion accepted, until it could no longer be
            # accepted anyway: the primary key refuses a second use on every worker and replica.
            "CREATE TABLE used_jtis (jti_key TEXT PRIMARY KEY, exp BIGINT NOT NULL)",
            "CREATE INDEX used_jtis_exp ON used_jtis (exp)",
            "ALTER TABLE clients ADD COLUMN dpop_bound BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE clients ADD COLUMN jwks TEXT",
            "ALTER TABLE clients ADD COLUMN jwks_uri TEXT",
            # RFC 9449 §5: a public client's refresh tokens are bound to its DPoP key.
            "ALTER TABLE token_families ADD COLUMN jkt TEXT",
        ),
    ),
    *DEVICE_MIGRATIONS,
    CLIENT_AUTH_COUNTS,
    CHANGE_COUNTS,
)
