"""B-history: what the change-history triggers (SECURITY.md R5) cost on writes.

Builds N persons in a scratch database, then times, with the triggers and without them (dropped
and made again within the bench database), two workloads on the person table, the widest tracked
table:

- ``single``: N single-row ORM updates (``filter(pk=…).update(…)``), in one transaction;
- ``bulk``: one ``QuerySet.update()`` of all N rows.

Each workload runs ``--rounds`` times per variant, alternating, and the median is reported.
Figures are printed last as ``name: value`` lines.

    .venv/bin/python bench/history_triggers.py                     # 10,000 persons, SQLite in a temp dir
    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/history_triggers.py

With ``DATABASE_URL`` the database must be a scratch one: persons are added to it and the
history triggers are dropped and made again.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _configure() -> str | None:
    """Point Django at a scratch database before it is set up; return the temp dir to clean up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if os.environ.get("DATABASE_URL"):
        return None
    scratch = tempfile.mkdtemp(prefix="intreccio-bench-")
    os.environ["INTRECCIO_DATA_DIR"] = scratch
    return scratch


SCRATCH = _configure()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from intreccio.accounts.models import Operator, Organisation, OrganisationKind  # noqa: E402
from intreccio.history.models import RowChange  # noqa: E402
from intreccio.history.triggers import install_triggers, installed_triggers, remove_triggers  # noqa: E402
from intreccio.people.models import NoFiscalCodeReason, Person  # noqa: E402
from intreccio.territory.models import Ambito  # noqa: E402


def build(persons: int) -> list[int]:
    ambito, _ = Ambito.objects.get_or_create(code="BENCH", defaults={"name": "Ambito del benchmark", "region": "X"})
    organisation, _ = Organisation.objects.get_or_create(
        name="Ente del benchmark", defaults={"kind": OrganisationKind.COMUNE, "ambito": ambito}
    )
    operator, _ = Operator.objects.get_or_create(username="bench-history")
    Person.objects.bulk_create(
        [
            Person(
                first_name="Maria",
                last_name=f"Bianchi{i}",
                search_first_name="maria",
                search_last_name=f"bianchi{i}",
                no_fiscal_code_reason=NoFiscalCodeReason.UNKNOWN,
                sex="F",
                birth_date=datetime.date(1980, 1, 1) + datetime.timedelta(days=i % 9000),
                citizenship="italiana",
                registered_by=organisation,
                created_by=operator,
            )
            for i in range(persons)
        ],
        batch_size=2000,
    )
    return list(Person.objects.filter(created_by=operator).order_by("pk").values_list("pk", flat=True))


def single_updates(pks: list[int], value: str) -> None:
    with transaction.atomic():
        for pk in pks:
            Person.objects.filter(pk=pk).update(languages=value)


def bulk_update(pks: list[int], value: str) -> None:
    with transaction.atomic():
        Person.objects.filter(pk__gte=pks[0], pk__lte=pks[-1]).update(languages=value)


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)  # makes the triggers too (post_migrate)
    pks = build(args.persons)
    workloads: dict[str, Callable[[list[int], str], None]] = {"single": single_updates, "bulk": bulk_update}
    seconds: dict[str, list[float]] = {f"{w}.{v}": [] for w in workloads for v in ("triggers", "none")}
    history_rows: dict[str, int] = {}
    counter = 0
    for _ in range(args.rounds):
        for variant in ("triggers", "none"):
            if variant == "triggers":
                install_triggers(connection)
                assert "people_person" in installed_triggers(connection)
            else:
                remove_triggers(connection)
                assert not installed_triggers(connection)
            for name, workload in workloads.items():
                counter += 1
                before = RowChange.objects.count()
                seconds[f"{name}.{variant}"].append(timed(lambda w=workload, c=counter: w(pks, f"lingua {c}")))  # type: ignore[misc]
                history_rows[f"{name}.{variant}"] = RowChange.objects.count() - before
    install_triggers(connection)

    print(f"database: {connection.vendor}")
    print(f"persons: {len(pks)}")
    print(f"rounds: {args.rounds} (median reported)")
    for name in workloads:
        with_t = statistics.median(seconds[f"{name}.triggers"])
        without = statistics.median(seconds[f"{name}.none"])
        print(f"history.{name}.with_triggers_s: {with_t:.3f}")
        print(f"history.{name}.without_triggers_s: {without:.3f}")
        print(f"history.{name}.overhead_pct: {(with_t / without - 1) * 100:.1f}")
        print(f"history.{name}.per_row_overhead_us: {(with_t - without) / len(pks) * 1e6:.1f}")
        print(f"history.{name}.history_rows_with_triggers: {history_rows[f'{name}.triggers']}")
        print(f"history.{name}.history_rows_without_triggers: {history_rows[f'{name}.none']}")


if __name__ == "__main__":
    try:
        main()
    finally:
        if SCRATCH:
            shutil.rmtree(SCRATCH, ignore_errors=True)
