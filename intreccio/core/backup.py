"""Backup and restore of the whole database, with a manifest that proves the restore (SECURITY.md F4).

A backup is one ``.tar`` file holding the database (SQLite: a copy made with SQLite's online
backup API; PostgreSQL: a ``pg_dump`` custom-format archive) and ``manifest.json``: the engine,
the applied migrations, and for every table its row count and a SHA-256 of its rows in primary-key
order. On PostgreSQL the manifest and the dump are taken from one exported snapshot, so they
describe exactly the same state even while operators keep working.

A restore replaces the database with the archive's, then recomputes every table's count and
checksum and compares them with the manifest; the commands also check that migrations are
current and that the audit chains verify.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 - pg_dump/pg_restore with argument lists, never a shell
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
FORMAT_VERSION = 1


class BackupError(Exception):
    """The backup or the restore cannot go ahead; the message says why."""


@dataclass(frozen=True)
class TableDigest:
    rows: int
    checksum: str


@dataclass
class Manifest:
    engine: str
    created_at: str
    migrations: list[list[str]]
    tables: dict[str, TableDigest]
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        data = {
            "format_version": self.format_version,
            "engine": self.engine,
            "created_at": self.created_at,
            "migrations": self.migrations,
            "tables": {name: {"rows": d.rows, "checksum": d.checksum} for name, d in self.tables.items()},
        }
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if data.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"Unknown backup format {data.get('format_version')!r}.")
        return cls(
            engine=data["engine"],
            created_at=data["created_at"],
            migrations=[list(m) for m in data["migrations"]],
            tables={name: TableDigest(rows=d["rows"], checksum=d["checksum"]) for name, d in data["tables"].items()},
        )


@dataclass
class RestoreReport:
    manifest: Manifest
    mismatched: list[str] = field(default_factory=list)  # tables whose count or checksum differ

    @property
    def ok(self) -> bool:
        return not self.mismatched


def _canonical(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value).hex()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return value


def _digest_rows(cursor: Any, columns: list[str]) -> TableDigest:
    digest = hashlib.sha256(json.dumps(columns).encode())
    rows = 0
    while batch := cursor.fetchmany(2000):
        for row in batch:
            digest.update(json.dumps([_canonical(v) for v in row], default=str).encode())
            rows += 1
    return TableDigest(rows=rows, checksum=digest.hexdigest())


def _sqlite_digests(raw: sqlite3.Connection) -> dict[str, TableDigest]:
    digests: dict[str, TableDigest] = {}
    tables = [
        row[0]
        for row in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    for table in tables:
        info = raw.execute(f'PRAGMA table_info("{table}")').fetchall()
        columns = [row[1] for row in info]
        pk = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        order = ", ".join(f'"{c}"' for c in (pk or columns))
        selected = ", ".join(f'"{c}"' for c in columns)
        cursor = raw.execute(f'SELECT {selected} FROM "{table}" ORDER BY {order}')  # noqa: S608  # nosec B608
        digests[table] = _digest_rows(cursor, columns)
    return digests


def table_digests(conn: BaseDatabaseWrapper | None = None) -> dict[str, TableDigest]:
    """Row count and checksum of every table of the database, rows in primary-key order."""
    conn = conn or connection
    if conn.vendor == "sqlite":
        conn.ensure_connection()
        return _sqlite_digests(conn.connection)
    digests: dict[str, TableDigest] = {}
    quote = conn.ops.quote_name
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            columns = [c.name for c in conn.introspection.get_table_description(cursor, table)]
            pk = conn.introspection.get_primary_key_column(cursor, table)
            order = quote(pk) if pk else ", ".join(quote(c) for c in columns)
            selected = ", ".join(quote(c) for c in columns)
            cursor.execute(f"SELECT {selected} FROM {quote(table)} ORDER BY {order}")  # noqa: S608  # nosec B608
            digests[table] = _digest_rows(cursor, columns)
    return digests


def _sqlite_migrations(raw: sqlite3.Connection) -> list[list[str]]:
    return sorted([app, name] for app, name in raw.execute("SELECT app, name FROM django_migrations"))


def applied_migrations(conn: BaseDatabaseWrapper | None = None) -> list[list[str]]:
    recorder = MigrationRecorder(conn or connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if candidates:
        return str(candidates[0])
    raise BackupError(f"{name} was not found: install the PostgreSQL client tools (apt-get install postgresql-client).")


def _pg_args(conn: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    settings = conn.settings_dict
    args = ["--dbname", str(settings["NAME"]), "--no-password"]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[:2000]}")


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup_create(*, output: Path) -> Manifest:
    """Write the backup archive to ``output`` (never overwritten) and return its manifest."""
    if output.exists():
        raise BackupError(f"{output} exists already: choose another file name.")
    output.parent.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    created = datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory() as workdir:
        if connection.vendor == "sqlite":
            copy = Path(workdir) / SQLITE_MEMBER
            target = sqlite3.connect(copy)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            # The manifest describes the copy itself, so nothing written meanwhile can differ.
            # Django's converters (registered process-wide) read the copy as it reads the live database.
            copy_conn = sqlite3.connect(copy, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
            try:
                manifest = Manifest(
                    engine="sqlite",
                    created_at=created,
                    migrations=_sqlite_migrations(copy_conn),
                    tables=_sqlite_digests(copy_conn),
                )
            finally:
                copy_conn.close()
            member, data_path = SQLITE_MEMBER, copy
        elif connection.vendor == "postgresql":
            dump = Path(workdir) / POSTGRES_MEMBER
            args, env = _pg_args(connection)
            # One snapshot for the dump and the manifest: the transaction stays open until both are done.
            with connection.cursor() as cursor:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot = cursor.fetchone()[0]
                    manifest = Manifest(
                        engine="postgresql",
                        created_at=created,
                        migrations=applied_migrations(),
                        tables=table_digests(),
                    )
                    command = [_pg_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges"]
                    _run([*command, f"--snapshot={snapshot}", "--file", str(dump)], env)
                finally:
                    cursor.execute("COMMIT")
            member, data_path = POSTGRES_MEMBER, dump
        else:
            raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
        partial = output.with_name(output.name + ".partial")
        # The archive holds everything, decrypted keys aside: readable by its owner only, from the start.
        partial.touch(mode=0o600)
        partial.chmod(0o600)
        with tarfile.open(partial, "w") as archive:
            _add(archive, MANIFEST, manifest.to_json().encode())
            archive.add(data_path, arcname=member)
        partial.replace(output)
    return manifest


def read_manifest(archive_path: Path) -> Manifest:
    try:
        with tarfile.open(archive_path, "r") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise BackupError(f"{archive_path} has no manifest.")
            return Manifest.from_json(member.read().decode())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive_path} is not an Intreccio backup: {exc}") from exc


def _extract(archive_path: Path, member: str, workdir: str) -> Path:
    with tarfile.open(archive_path, "r") as archive:
        source = archive.extractfile(member)
        if source is None:
            raise BackupError(f"{archive_path} has no {member}.")
        target = Path(workdir) / member
        with target.open("wb") as out:
            shutil.copyfileobj(source, out)
    return target


def backup_restore(*, archive_path: Path) -> RestoreReport:
    """Replace the database with the archive's and compare every table with the manifest."""
    manifest = read_manifest(archive_path)
    if manifest.engine != connection.vendor:
        raise BackupError(
            f"This backup was taken from {manifest.engine}; the configured database is {connection.vendor}."
        )
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as workdir:
        if connection.vendor == "sqlite":
            copy = _extract(archive_path, SQLITE_MEMBER, workdir)
            source = sqlite3.connect(copy)
            try:
                # The online backup API replaces every page of the destination in one step.
                source.backup(connection.connection)
            finally:
                source.close()
        else:
            dump = _extract(archive_path, POSTGRES_MEMBER, workdir)
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute("CREATE SCHEMA public")
            args, env = _pg_args(connection)
            command = [_pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error"]
            _run([*command, str(dump)], env)
    current = table_digests()
    mismatched = sorted(
        name for name in set(manifest.tables) | set(current) if manifest.tables.get(name) != current.get(name)
    )
    return RestoreReport(manifest=manifest, mismatched=mismatched)
