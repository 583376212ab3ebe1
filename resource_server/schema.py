"""The resource server's tables, as versioned migrations."""

from __future__ import annotations

from shared.db import Migration

COMPONENT = "resource_server"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "protected accounts",
        (
            """
            CREATE TABLE resource_accounts (
                subject TEXT PRIMARY KEY,
                data TEXT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ),
    ),
    Migration(
        2,
        "a notification for every changed account, for the servers' account caches",
        # PostgreSQL only: SQLite has no NOTIFY, and there the servers cache no accounts.
        # The payload is the subject; an empty one (a TRUNCATE, or a subject too long for
        # NOTIFY's 8,000 bytes) means every account.
        postgresql=(
            """
            CREATE FUNCTION notify_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'TRUNCATE' THEN
                    PERFORM pg_notify('resource_accounts_changed', '');
                    RETURN NULL;
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    PERFORM pg_notify('resource_accounts_changed',
                        CASE WHEN octet_length(OLD.subject) <= 4000 THEN OLD.subject ELSE '' END);
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    PERFORM pg_notify('resource_accounts_changed',
                        CASE WHEN octet_length(NEW.subject) <= 4000 THEN NEW.subject ELSE '' END);
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER accounts_changed AFTER INSERT OR UPDATE OR DELETE ON resource_accounts
            FOR EACH ROW EXECUTE FUNCTION notify_account_changed()
            """,
            """
            CREATE TRIGGER accounts_truncated AFTER TRUNCATE ON resource_accounts
            FOR EACH STATEMENT EXECUTE FUNCTION notify_account_changed()
            """,
        ),
        sqlite=(),
    ),
)
