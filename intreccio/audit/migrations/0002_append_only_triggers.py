"""Make the audit tables append-only in the database itself (SECURITY.md R6).

The application never updates or deletes an audit row, so the triggers only ever stop a bug,
a careless maintenance script or someone with the application's credentials. Someone who can
drop triggers can still edit rows; the hash chain and ``manage.py audit_verify`` catch that.

The chain head may only move forward: it is the one mutable row, and rewinding it would hide
rows deleted at the end of a chain.
"""

from django.db import migrations

EVENT_TABLES = ("audit_accessevent", "audit_domainevent")
CHAIN_TABLE = "audit_auditchain"

SQLITE_FORWARD = [
    *(
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
        for table in EVENT_TABLES
        for op in ("UPDATE", "DELETE")
    ),
    f"CREATE TRIGGER {CHAIN_TABLE}_no_delete BEFORE DELETE ON {CHAIN_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{CHAIN_TABLE}: a chain head cannot be deleted'); END",
    f"CREATE TRIGGER {CHAIN_TABLE}_forward_only BEFORE UPDATE ON {CHAIN_TABLE} "
    f"WHEN NEW.last_seq <= OLD.last_seq OR NEW.name <> OLD.name "
    f"BEGIN SELECT RAISE(ABORT, '{CHAIN_TABLE}: a chain head only moves forward'); END",
]
SQLITE_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_{op}" for table in EVENT_TABLES for op in ("update", "delete")),
    f"DROP TRIGGER IF EXISTS {CHAIN_TABLE}_no_delete",
    f"DROP TRIGGER IF EXISTS {CHAIN_TABLE}_forward_only",
]

# SQLSTATE 23001 (restrict_violation) so that drivers report an IntegrityError, as SQLite's
# RAISE(ABORT) does: callers see the same exception class on both engines.
POSTGRES_FORWARD = [
    """
    CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        has_rows boolean;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            -- Emptying an already empty table destroys nothing (a test database flush does it).
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO has_rows;
            IF NOT has_rows THEN
                RETURN NULL;
            END IF;
        END IF;
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '23001';
    END
    $$
    """,
    """
    CREATE FUNCTION audit_chain_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.last_seq > OLD.last_seq AND NEW.name = OLD.name THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '%: a chain head only moves forward (% refused)', TG_TABLE_NAME, TG_OP
            USING ERRCODE = '23001';
    END
    $$
    """,
    *(
        stmt
        for table in EVENT_TABLES
        for stmt in (
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
        )
    ),
    f"CREATE TRIGGER {CHAIN_TABLE}_forward_only BEFORE UPDATE OR DELETE ON {CHAIN_TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION audit_chain_forward_only()",
    f"CREATE TRIGGER {CHAIN_TABLE}_no_truncate BEFORE TRUNCATE ON {CHAIN_TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
POSTGRES_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table}"
        for table in EVENT_TABLES
        for suffix in ("no_change", "no_truncate")
    ),
    f"DROP TRIGGER IF EXISTS {CHAIN_TABLE}_forward_only ON {CHAIN_TABLE}",
    f"DROP TRIGGER IF EXISTS {CHAIN_TABLE}_no_truncate ON {CHAIN_TABLE}",
    "DROP FUNCTION IF EXISTS audit_chain_forward_only()",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
    "postgresql": (POSTGRES_FORWARD, POSTGRES_REVERSE),
}


def _run(schema_editor, forward):
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        # An engine without these triggers would silently lose R6: refuse to migrate.
        raise RuntimeError(f"Append-only audit triggers are not available for the {vendor!r} database.")
    for statement in STATEMENTS[vendor][0 if forward else 1]:
        # params=None: the plpgsql bodies contain "%" that must not be read as placeholders.
        schema_editor.execute(statement, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, forward=True)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
