"""B2: person search by name fragment, surname + birth year and codice fiscale prefix.

Builds N persons with Italian names and valid codici fiscali (omocodia included) in a scratch
database, then times the search selector's query against the reference measured in the same
run: a naive ``icontains`` query on the same table (PERFORMANCE.md). Figures are printed last as
``name: value`` lines.

    .venv/bin/python bench/search.py                       # 50,000 persons, SQLite in a temp dir
    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/search.py --persons 50000

With ``DATABASE_URL`` the database must be a scratch one: its person table is filled (and
emptied first with ``--reset``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
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

from codicefiscale import codicefiscale  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q, QuerySet  # noqa: E402
from faker import Faker  # noqa: E402

from intreccio.accounts.models import Operator, Organisation, OrganisationKind  # noqa: E402
from intreccio.people.models import NoFiscalCodeReason, Person  # noqa: E402
from intreccio.people.search import normalise_name, parse_query  # noqa: E402
from intreccio.people.selectors import SEARCH_LIMIT, person_search_queryset  # noqa: E402
from intreccio.territory.models import Ambito  # noqa: E402

BIRTHPLACES = ["Cremona", "Crema", "Casalmaggiore", "Soresina", "Milano", "Brescia", "Napoli", "Palermo", "Roma"]
FOREIGN = ["Marocco", "Romania", "Albania", "Senegal", "Ucraina"]


def build(persons: int, seed: int) -> None:
    fake = Faker("it_IT")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    ambito, _ = Ambito.objects.get_or_create(code="BENCH", defaults={"name": "Ambito del benchmark", "region": "X"})
    organisation, _ = Organisation.objects.get_or_create(
        name="Ente del benchmark", defaults={"kind": OrganisationKind.COMUNE, "ambito": ambito}
    )
    operator, _ = Operator.objects.get_or_create(username="bench")
    codes: set[str] = set()
    place_codes = {place: codicefiscale.encode_birthplace(place) or "" for place in BIRTHPLACES + FOREIGN}
    batch: list[Person] = []
    for _ in range(persons):
        sex = rnd.choice("MF")
        first = fake.first_name_male() if sex == "M" else fake.first_name_female()
        last = fake.last_name()
        birth = fake.date_of_birth(minimum_age=0, maximum_age=95)
        code: str | None = None
        reason = ""
        if rnd.random() < 0.93:
            place = rnd.choice(BIRTHPLACES) if rnd.random() < 0.9 else rnd.choice(FOREIGN)
            # codicefiscale.encode() looks the birthplace up by name each time (about 1 ms): the
            # parts are assembled here with the place codes looked up once.
            body = (
                codicefiscale.encode_lastname(last)
                + codicefiscale.encode_firstname(first)
                + codicefiscale.encode_birthdate(birth.strftime("%d/%m/%Y"), sex)  # type: ignore[arg-type]
                + place_codes[place]
            )
            code = body + codicefiscale.encode_cin(body)
            if code in codes:
                # Homocodes get an omocodia variant from the Agenzia delle Entrate, as in life.
                code = next((c for c in codicefiscale.decode(code)["omocodes"][1:] if c not in codes), None)
        if code is None:
            reason = rnd.choice([NoFiscalCodeReason.NOT_YET_ASSIGNED, NoFiscalCodeReason.UNKNOWN]).value
        else:
            codes.add(code)
        batch.append(
            Person(
                first_name=first,
                last_name=last,
                fiscal_code=code,
                no_fiscal_code_reason=reason,
                sex=sex,
                birth_date=birth,
                search_first_name=normalise_name(first),
                search_last_name=normalise_name(last),
                registered_by=organisation,
                created_by=operator,
            )
        )
        if len(batch) == 5000:
            Person.objects.bulk_create(batch)
            batch = []
    Person.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_person")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def queries(rnd: random.Random, count: int) -> dict[str, list[str]]:
    """Search-box texts drawn from the data, as operators type them."""
    rows = Person.objects.filter(birth_date__isnull=False).order_by("?")
    sample = [
        (last, first, born or datetime.date(1980, 1, 1), code)
        for last, first, born, code in rows.values_list("last_name", "first_name", "birth_date", "fiscal_code")[
            : count * 3
        ]
    ]
    with_code = [row for row in sample if row[3]]
    return {
        "name_fragment": [row[0][: rnd.randint(3, 6)] for row in sample[:count]],
        "surname_year": [f"{row[0]} {row[2].year}" for row in sample[count : 2 * count]],
        "cf_prefix": [(row[3] or "")[: rnd.randint(6, 11)] for row in with_code[:count]],
    }


def naive(kind: str, text: str) -> QuerySet[Person]:
    """The reference: what a first version would write, substring matches on the raw columns."""
    if kind == "cf_prefix":
        condition = Q(fiscal_code__icontains=text)
    elif kind == "surname_year":
        surname, year = text.rsplit(" ", 1)
        condition = Q(last_name__icontains=surname) & Q(birth_date__year=int(year))
    else:
        condition = Q(last_name__icontains=text) | Q(first_name__icontains=text)
    return Person.objects.filter(condition).order_by("last_name", "first_name", "pk")


def timed(run: Callable[[str], object], text: str) -> float:
    start = time.perf_counter()
    run(text)
    return (time.perf_counter() - start) * 1000


def ours(text: str) -> list[Person]:
    return list(person_search_queryset(parse_query(text))[:SEARCH_LIMIT])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="empty the person table of DATABASE_URL first")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if args.reset:
        Person.objects.all().delete()
    existing = Person.objects.count()
    started = time.perf_counter()
    if existing < args.persons:
        build(args.persons - existing, args.seed)
    build_seconds = time.perf_counter() - started
    rnd = random.Random(args.seed)
    texts = queries(rnd, args.queries)

    results: dict[str, float] = {}
    for kind, kind_texts in texts.items():
        for text in kind_texts[:5]:  # warm the caches for both
            list(person_search_queryset(parse_query(text))[:SEARCH_LIMIT])
            list(naive(kind, text)[:SEARCH_LIMIT])
        mine = [timed(ours, text) for text in kind_texts]
        ref = [timed(lambda t, k=kind: list(naive(k, t)[:SEARCH_LIMIT]), text) for text in kind_texts]  # type: ignore[misc]
        for label, values in (("selector", mine), ("naive", ref)):
            results[f"b2.{kind}.{label}.p50_ms"] = percentile(values, 50)
            results[f"b2.{kind}.{label}.p95_ms"] = percentile(values, 95)
        results[f"b2.{kind}.speedup_p50"] = statistics.median(ref) / max(statistics.median(mine), 1e-6)
        results[f"b2.{kind}.speedup_p95"] = percentile(ref, 95) / max(percentile(mine, 95), 1e-6)

    print(f"database: {connection.vendor}")
    print(f"persons: {Person.objects.count()}")
    print(f"build_seconds: {build_seconds:.1f}")
    print("reference: naive icontains query on the same table, same texts, same run")
    for name, value in results.items():
        print(f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
