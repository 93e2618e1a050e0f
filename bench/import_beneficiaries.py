"""Beneficiary-list import throughput and memory (PERFORMANCE.md B4, at a reduced size).

Writes a CSV of N beneficiaries (valid codici fiscali, distinct birth dates so no row is a
probable duplicate of another) to a temporary file, then measures in the same run:
- the reference: a bare-table bulk insert of the same file (PostgreSQL ``COPY``; on SQLite,
  ``csv.reader`` + ``executemany`` into a table without indexes or constraints);
- the validation pass alone (parse, check every cell, look the rows up in the registry);
- the full import (validate + register persons, households, measures and intakes through the
  services, with their domain events, in one transaction);
- the peak Python memory of a validation pass (tracemalloc) at each size: the file is streamed,
  so the peak should grow far slower than the file.

    .venv/bin/python bench/import_beneficiaries.py                 # 5,000 then 20,000 rows
    .venv/bin/python bench/import_beneficiaries.py --rows 500 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:55465/bench .venv/bin/python bench/import_beneficiaries.py
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
HEADER = ["codice_fiscale", "cognome", "nome", "data_nascita", "comune", "misura", "protocollo", "componenti"]
SURNAMES = ["Rossi", "Bianchi", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno"]
NAMES = ["Marco", "Giulia", "Luca", "Sara", "Paolo", "Anna", "Davide", "Chiara", "Andrea", "Elena"]


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ["INTRECCIO_DATA_DIR"] = tempfile.mkdtemp(prefix="intreccio-bench-")
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    # As in production: the test settings' DEBUG would keep a log of every query in memory.
    settings.DEBUG = False


def _write_csv(path: Path, rows: int, offset: int) -> None:
    """``rows`` beneficiaries; ``offset`` keeps codici fiscali distinct between sizes."""
    from codicefiscale import codicefiscale

    start = datetime.date(1935, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            n = offset + i
            born = start + datetime.timedelta(days=n)
            surname, name = SURNAMES[n % 10], NAMES[(n // 10) % 10]
            female = name[-1] == "a"
            code = codicefiscale.encode(
                lastname=surname,
                firstname=name,
                gender="F" if female else "M",
                birthdate=born.strftime("%d/%m/%Y"),
                birthplace="D150",
            )
            writer.writerow(
                [code, surname, name, born.strftime("%d/%m/%Y"), "019036", "ADI", f"INPS-ADI-{n:08d}", 1 + n % 5]
            )


def _reference(path: Path) -> float:
    """Seconds for a bare-table bulk insert of the file."""
    from django.db import connection, transaction

    columns = ", ".join(f"{c} text" for c in HEADER)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_import")
        cursor.execute(f"CREATE TABLE bench_bare_import ({columns})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                path.open("rb") as source,
                cursor.copy("COPY bench_bare_import FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)") as copy,
            ):
                while chunk := source.read(1 << 16):
                    copy.write(chunk)
        else:
            with path.open(encoding="utf-8", newline="") as source:
                reader = csv.reader(source, delimiter=";")
                next(reader)
                marks = ", ".join("%s" for _ in HEADER)
                # Streamed: the reference holds no more of the file in memory than the import does.
                rows: Any = reader
                cursor.executemany(f"INSERT INTO bench_bare_import VALUES ({marks})", rows)  # noqa: S608
    return time.perf_counter() - started


class World:
    def __init__(self) -> None:
        from intreccio.accounts.models import Membership, Operator, Organisation, OrganisationKind, Role, Structure
        from intreccio.territory.models import Ambito, Comune

        ambito = Ambito.objects.create(code="BENCHIMP", name="Ambito del benchmark", region="Lombardia")
        Comune.objects.get_or_create(
            istat_code="019036",
            defaults={"belfiore_code": "D150", "name": "Cremona", "province_code": "CR", "province_name": "Cremona",
                      "region_name": "Lombardia", "ambito": ambito},
        )  # fmt: skip
        organisation = Organisation.objects.create(name="Comune", kind=OrganisationKind.COMUNE, ambito=ambito)
        structure = Structure.objects.create(organisation=organisation, name="Segretariato sociale")
        self.operator = Operator.objects.create(username="bench_import", first_name="Bench", last_name="Import")
        Membership.objects.create(
            operator=self.operator, structure=structure, role=Role.SEGRETARIATO, valid_from=datetime.date(2020, 1, 1)
        )
        self.membership = Membership.objects.select_related("structure__organisation").get(operator=self.operator)


def _measure(world: World, path: Path) -> dict[str, Any]:
    from intreccio.access.importer import beneficiaries_import, beneficiaries_validate

    figures: dict[str, Any] = {"reference_s": _reference(path)}
    with path.open("rb") as stream:
        started = time.perf_counter()
        report = beneficiaries_validate(stream, membership=world.membership)
        figures["validate_s"] = time.perf_counter() - started
    assert report.ok, (report.file_error, report.errors[:3])
    with path.open("rb") as stream:
        tracemalloc.start()
        beneficiaries_validate(stream, membership=world.membership)
        figures["validate_peak_kib"] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    with path.open("rb") as stream:
        started = time.perf_counter()
        report = beneficiaries_import(stream, actor=world.operator, membership=world.membership)
        figures["import_s"] = time.perf_counter() - started
    assert report.imported, (report.file_error, report.errors[:3])
    figures["rows"] = report.rows
    figures["file_kib"] = path.stat().st_size / 1024
    with path.open("rb") as stream:
        started = time.perf_counter()
        again = beneficiaries_import(stream, actor=world.operator, membership=world.membership)
        figures["reimport_s"] = time.perf_counter() - started
    assert again.imported and not again.intake_ids
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[5000, 20000], help="sizes, ascending")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a temporary SQLite")
    args = parser.parse_args()
    _setup(args.database_url)
    from django.db import connection

    world = World()
    directory = Path(tempfile.mkdtemp(prefix="intreccio-bench-csv-"))
    results: dict[int, dict[str, Any]] = {}
    offset = 0
    for size in sorted(args.rows):
        path = directory / f"beneficiari-{size}.csv"
        _write_csv(path, size, offset)
        offset += size
        results[size] = _measure(world, path)
        r = results[size]
        print(
            f"# {size} rows ({r['file_kib']:.0f} KiB) on {connection.vendor}: reference {r['reference_s']:.2f}s, "
            f"validate {r['validate_s']:.2f}s, import {r['import_s']:.2f}s, re-import {r['reimport_s']:.2f}s",
            flush=True,
        )
    reference_name = "PostgreSQL COPY" if connection.vendor == "postgresql" else "csv.reader + executemany"
    lines: list[tuple[str, str]] = [
        ("database", connection.vendor),
        ("reference", f"bare-table bulk insert ({reference_name}) of the same file, same run"),
    ]
    for size, r in results.items():
        lines += [
            (f"reference_rows_per_s_{size}", f"{size / r['reference_s']:.0f}"),
            (f"validate_rows_per_s_{size}", f"{size / r['validate_s']:.0f}"),
            (f"import_rows_per_s_{size}", f"{size / r['import_s']:.0f}"),
            (f"import_ratio_to_reference_{size}", f"{r['reference_s'] / r['import_s']:.4f}"),
            (f"validate_ratio_to_reference_{size}", f"{r['reference_s'] / r['validate_s']:.4f}"),
            (f"reimport_rows_per_s_{size}", f"{size / r['reimport_s']:.0f}"),
            (f"validate_peak_kib_{size}", f"{r['validate_peak_kib']:.0f}"),
            (f"file_kib_{size}", f"{r['file_kib']:.0f}"),
        ]
    sizes = sorted(results)
    if len(sizes) > 1:
        first, last = results[sizes[0]], results[sizes[-1]]
        lines += [
            ("size_growth", f"{sizes[-1] / sizes[0]:.1f}"),
            ("import_time_growth", f"{last['import_s'] / first['import_s']:.2f}"),
            ("validate_peak_memory_growth", f"{last['validate_peak_kib'] / first['validate_peak_kib']:.2f}"),
        ]
    for name, value in lines:
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
