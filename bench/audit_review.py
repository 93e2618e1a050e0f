"""The auditor's unusual-access review at ambito scale: 30 days of 60,000 access rows a day.

Builds (or reuses) a month of synthetic reads in a scratch database, appended to the real hash
chain by the audit service's own ``_append_many`` (seq, previous hash, HMAC: ``audit_verify``
accepts them; the append-only triggers refuse only UPDATE and DELETE). One ambito of 280
operators and 15,000 cases, a neighbouring ambito of 20 operators and 1,000 cases. Weekdays carry
most reads (about 77,000; Saturdays 30%, Sundays 5%: 60,000 a day on average). Each operator-day
reads from a small pool of cases and persons, 2% read far more; 1.5% of all reads fall off hours,
0.3% of case reads cross the ambito, 0.05% go through break-the-glass. That is a worst case for
the page: nearly every operator-day has an off-hours read (some 9,000 alerts a month, every list
full at 200 rows). "Now" is fixed at 21:00 of the last day, so today is a whole working day.

Then it times the review's selector (``review.review``) for one closed day, for today and for the
default 30 days:
- the reference: the same rules computed live over every day of the period (``keep=False``),
  nothing stored, in the same run;
- the first view: nothing kept yet, every day is summarised on the way;
- the second view: the summaries are reused, today's brought forward by the few rows since;
- the month 15 minutes after ``summarise_access_review`` ran (today's summary 2,000 reads behind),
  and the first look of the day when the command runs only after midnight;
and the page itself through Django's test client (second view, p50/p95) beside the ``healthz``
view, and the command over the 29 closed days and today from nothing.

    .venv/bin/python bench/audit_review.py                                    # SQLite in a temp dir
    .venv/bin/python bench/audit_review.py --data-dir /tmp/review-bench      # keep the data, reuse it
    DATABASE_URL=postgres://postgres@127.0.0.1:55467/reviewbench .venv/bin/python bench/audit_review.py
    .venv/bin/python bench/audit_review.py --per-day 10000                   # a smaller month

With ``DATABASE_URL`` the database must be a scratch one: operators, cases and access rows are
added to it. Data already built there (or in ``--data-dir``) is reused as it is.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MAIN_OPERATORS = 280
NEIGHBOUR_OPERATORS = 20
MAIN_CASES = 15_000
NEIGHBOUR_CASES = 1_000
BATCH = 5_000
BENCH_AMBITO = "RVBENCH"
# Relative volume of a weekday, a Saturday and a Sunday; scaled so the month averages --per-day.
WEEKDAY_WEIGHT = {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0, 6: 0.3, 7: 0.05}
NOW_HOUR = 21  # "now" on the last day: its reads are all in the log


def _setup(database_url: str | None, data_dir: str | None) -> str | None:
    """Point Django at the scratch database; return a temporary directory to remove at the end."""
    scratch = None
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        if data_dir:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
        else:
            scratch = data_dir = tempfile.mkdtemp(prefix="intreccio-bench-")
        os.environ["INTRECCIO_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True  # the auditor signs in with force_login
    call_command("migrate", verbosity=0)
    return scratch


# --- the data ------------------------------------------------------------------------------------


class World:
    """Two ambiti, their organisations, operators, cases; an auditor in the main ambito."""

    def __init__(self) -> None:
        from intreccio.accounts.models import Membership, Operator
        from intreccio.cases.models import Case
        from intreccio.territory.models import Ambito

        main = Ambito.objects.filter(code=BENCH_AMBITO).first()
        if main is None:
            self._build()
            main = Ambito.objects.get(code=BENCH_AMBITO)
        neighbour = Ambito.objects.get(code=f"{BENCH_AMBITO}N")
        self.auditor = Operator.objects.get(username="rv-auditor")
        memberships = (
            Membership.objects.filter(operator__username__startswith="rv-op")
            .select_related("operator", "structure__organisation")
            .order_by("operator__username")
        )
        self.readers: list[tuple[Any, str, Any]] = [(m.operator, m.role, m.structure.organisation) for m in memberships]
        self.main_ambito = main.pk
        self.cases = {
            ambito.pk: list(Case.objects.filter(ambito=ambito).order_by("pk").values_list("pk", "person_id"))
            for ambito in (main, neighbour)
        }

    @staticmethod
    def _build() -> None:
        from django.db import transaction

        from intreccio.accounts.models import Membership, Operator, Organisation, OrganisationKind, Role, Structure
        from intreccio.cases.models import Case, CaseStatus
        from intreccio.people.models import NoFiscalCodeReason, Person
        from intreccio.territory.models import Ambito

        start = datetime.date(2020, 1, 1)
        with transaction.atomic():
            main = Ambito.objects.create(code=BENCH_AMBITO, name="Ambito del benchmark", region="Lombardia")
            neighbour = Ambito.objects.create(code=f"{BENCH_AMBITO}N", name="Ambito vicino", region="Lombardia")
            kinds = [
                (main, "Comune capofila", OrganisationKind.COMUNE, Role.SOCIAL_WORKER),
                (main, "Centro per l'impiego", OrganisationKind.EMPLOYMENT_CENTRE, Role.CPI_OPERATOR),
                (main, "ASST", OrganisationKind.HEALTH_TRUST, Role.HEALTH_SPECIALIST),
                (neighbour, "Comune vicino", OrganisationKind.COMUNE, Role.SOCIAL_WORKER),
            ]
            structures = []
            for ambito, name, kind, role in kinds:
                organisation = Organisation.objects.create(name=name, kind=kind, ambito=ambito)
                structures.append((Structure.objects.create(organisation=organisation, name=f"Servizio {name}"), role))
            social = structures[0][0]

            def operator(username: str, structure: Any, role: str) -> Any:
                op = Operator.objects.create(username=username, first_name="Bench", last_name=username, is_demo=True)
                Membership.objects.create(operator=op, structure=structure, role=role, valid_from=start)
                return op

            readers = []
            for n in range(MAIN_OPERATORS):
                structure, role = structures[n % 3]
                readers.append(operator(f"rv-op{n:03d}", structure, role))
            for n in range(NEIGHBOUR_OPERATORS):
                operator(f"rv-op{MAIN_OPERATORS + n:03d}", structures[3][0], structures[3][1])
            operator("rv-auditor", social, Role.AUDITOR)
            for ambito, count, structure in (
                (main, MAIN_CASES, social),
                (neighbour, NEIGHBOUR_CASES, structures[3][0]),
            ):
                made = 0
                while made < count:
                    size = min(2000, count - made)
                    persons = Person.objects.bulk_create(
                        [
                            Person(
                                first_name="Persona",
                                last_name=f"Bench{ambito.code}{made + i}",
                                no_fiscal_code_reason=NoFiscalCodeReason.NOT_YET_ASSIGNED,
                                registered_by=structure.organisation,
                                created_by=readers[0],
                            )
                            for i in range(size)
                        ]
                    )
                    Case.objects.bulk_create(
                        [
                            Case(
                                ambito=ambito,
                                number=f"{ambito.code}-{made + i:06d}",
                                person=person,
                                status=CaseStatus.ACTIVE,
                                prevalent_need="work",
                                case_manager=readers[(made + i) % MAIN_OPERATORS],
                                case_manager_structure=structure,
                                accessed_on=start,
                                taken_in_charge_on=start,
                            )
                            for i, person in enumerate(persons)
                        ]
                    )
                    made += size


LISTS = [
    ("cases.case", "list", "caseload"),
    ("cases.case", "due_checkins", "due_checkins"),
    ("people.person", "search", "person_search"),
    ("cases.case", "allocation_queue", "allocation_queue"),
]
SECTIONS = ["", "", "", "common", "social", "work", "health", "plan"]


def _day_reads(world: World, day: datetime.date, total: int, rng: random.Random) -> list[tuple[Any, ...]]:
    """``total`` reads on ``day``: (when, operator, role, organisation, object_type, object_id, section, purpose)."""
    from django.utils import timezone

    sunday = day.isoweekday() == 7
    readers = world.readers
    working = rng.sample(readers, max(3, len(readers) // 20)) if sunday else readers
    main_cases, neighbour_cases = (
        world.cases[world.main_ambito],
        next(v for k, v in world.cases.items() if k != world.main_ambito),
    )
    midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    reads: list[tuple[Any, ...]] = []
    share = total // len(working)
    for index, (operator, role, organisation) in enumerate(working):
        count = share + (1 if index < total - share * len(working) else 0)
        own = main_cases if organisation.ambito_id == world.main_ambito else neighbour_cases
        other = neighbour_cases if own is main_cases else main_cases
        heavy = rng.random() < 0.02  # about 6 operator-days a day read far more records
        pool = rng.sample(own, 200 if heavy else rng.randint(8, 24))
        for _n in range(count):
            roll = rng.random()
            if roll < 0.985:  # working hours, mostly 08:00-18:00
                seconds = (
                    rng.randint(8 * 3600, 18 * 3600 - 1) if rng.random() < 0.9 else rng.randint(7 * 3600, 20 * 3600 - 1)
                )
            else:
                seconds = rng.choice((rng.randint(0, 7 * 3600 - 1), rng.randint(20 * 3600, 21 * 3600 - 1)))
            # In UTC, as the audit service writes it: the hash covers the timestamp's text.
            when = (midnight + datetime.timedelta(seconds=seconds)).astimezone(datetime.UTC)
            kind = rng.random()
            section, purpose = "", "case_detail"
            if kind < 0.15:
                object_type, object_id, purpose = rng.choice(LISTS)
            elif kind < 0.45:
                object_type, object_id, purpose = "people.person", str(rng.choice(pool)[1]), "person_detail"
            else:
                case_id = rng.choice(pool)[0]
                if rng.random() < 0.003:
                    case_id = rng.choice(other)[0]
                    purpose = "referral: case_detail" if rng.random() < 0.5 else "case_detail"
                elif rng.random() < 0.0005:
                    purpose = "break_the_glass: case_detail"
                object_type, object_id, section = "cases.case", str(case_id), rng.choice(SECTIONS)
            reads.append((when, operator, role, organisation, object_type, object_id, section, purpose))
    reads.sort(key=lambda r: r[0])
    return reads


def build_reads(world: World, days: int, per_day: int, last_day: datetime.date, seed: int) -> int:
    """Append ``days`` days of reads ending on ``last_day`` to the access chain; the rows written."""
    from django.db import connection, transaction

    from intreccio.audit.models import AccessEvent
    from intreccio.audit.services import ACCESS_CHAIN, ACCESS_FIELDS, _append_many

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -1000000")  # 1 GB of page cache: the indexes stay in memory
    rng = random.Random(seed)
    dates = [last_day - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    weights = [WEEKDAY_WEIGHT[d.isoweekday()] for d in dates]
    scale = per_day * days / sum(weights)
    written = 0
    for day, weight in zip(dates, weights, strict=True):
        started = time.perf_counter()
        reads = _day_reads(world, day, round(weight * scale), rng)
        for first in range(0, len(reads), BATCH):
            rows = [
                AccessEvent(
                    occurred_at=when,
                    actor=operator,
                    actor_username=operator.username,
                    role=role,
                    organisation_id=organisation.pk,
                    organisation_name=organisation.name,
                    object_type=object_type,
                    object_id=object_id,
                    section=section,
                    purpose=purpose,
                    request_id=f"bench-{day:%Y%m%d}-{first}",
                )
                for when, operator, role, organisation, object_type, object_id, section, purpose in reads[
                    first : first + BATCH
                ]
            ]
            with transaction.atomic():
                _append_many(ACCESS_CHAIN, ACCESS_FIELDS, list(rows))
        written += len(reads)
        print(f"# {day}: {len(reads)} reads in {time.perf_counter() - started:.1f}s", flush=True)
    return written


def ensure_data(days: int, per_day: int, seed: int) -> tuple[World, datetime.date, int]:
    """The world and its month of reads, built once; the last day and the rows in the log."""
    from django.db.models import Max
    from django.utils import timezone

    from intreccio.audit.models import AccessEvent

    world = World()
    last = AccessEvent.objects.filter(request_id__startswith="bench-").aggregate(at=Max("occurred_at"))["at"]
    if last is None:
        started = time.perf_counter()
        last_day = timezone.localdate()
        written = build_reads(world, days, per_day, last_day, seed)
        print(f"# {written} reads built in {time.perf_counter() - started:.0f}s", flush=True)
    else:
        last_day = timezone.localtime(last).date()
    return world, last_day, AccessEvent.objects.count()


# --- the measures --------------------------------------------------------------------------------


def _timed(run: Callable[[], Any], times: int, before: Callable[[], Any] | None = None) -> list[float]:
    """Milliseconds of ``times`` runs; ``before`` runs untimed before each."""
    figures = []
    for _n in range(times):
        if before is not None:
            before()
        started = time.perf_counter()
        run()
        figures.append((time.perf_counter() - started) * 1000)
    return figures


def _p95(figures: list[float]) -> float:
    return statistics.quantiles(figures, n=20)[18] if len(figures) >= 2 else figures[0]


def _forget() -> None:
    from intreccio.oversight.models import ReviewDay

    ReviewDay.objects.all().delete()


def measure(world: World, last_day: datetime.date, repeats: int) -> list[tuple[str, str]]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from intreccio.audit.models import AccessEvent
    from intreccio.oversight import review
    from intreccio.oversight.models import ReviewDay

    lines: list[tuple[str, str]] = []
    periods = {
        "closed_day": (last_day - datetime.timedelta(days=1), last_day - datetime.timedelta(days=1)),
        "today": (last_day, last_day),
        "month": review.default_period(last_day),
    }
    for name, (first, last) in periods.items():
        reads = AccessEvent.objects.filter(
            occurred_at__gte=review._at(first), occurred_at__lt=review._at(last + datetime.timedelta(days=1))
        ).count()
        live = _timed(partial(review.review, first, last, keep=False), repeats)
        cold = _timed(partial(review.review, first, last), repeats, before=_forget)
        review.review(first, last)
        with CaptureQueriesContext(connection) as captured:
            review.review(first, last)
        warm = _timed(partial(review.review, first, last), repeats * 4)
        reference = statistics.median(live)
        print(f"#   {name}: {reads} reads, live {reference:.0f} ms, first {statistics.median(cold):.0f} ms,"
              f" second {statistics.median(warm):.1f} ms", flush=True)  # fmt: skip
        lines += [
            (f"{name}_reads", str(reads)),
            (f"{name}_live_ms", f"{reference:.1f}"),
            (f"{name}_first_view_ms", f"{statistics.median(cold):.1f}"),
            (f"{name}_second_view_p50_ms", f"{statistics.median(warm):.1f}"),
            (f"{name}_second_view_p95_ms", f"{_p95(warm):.1f}"),
            (f"{name}_second_view_queries", str(len(captured))),
            (f"{name}_first_view_ratio_to_live", f"{statistics.median(cold) / reference:.2f}"),
            (f"{name}_second_view_ratio_to_live", f"{statistics.median(warm) / reference:.3f}"),
        ]

    month = periods["month"]
    today = last_day

    # With the command run every 15 minutes (about 2,000 reads at the day's busiest): the closed
    # days kept and checked, today's summary 2,000 reads behind; the look adds those and stores.
    def behind(rows: int) -> None:
        head = review._head()
        review.summarise(*month)
        ReviewDay.objects.filter(day__lt=today).update(checked_seq=head - rows)
        review._store(review.compute_day(today, up_to_seq=head - rows), last_seq=head - rows)

    fresh = _timed(partial(review.review, *month), repeats * 2, before=partial(behind, 2000))
    lines.append(("month_view_15_minutes_after_the_command_ms", f"{statistics.median(fresh):.1f}"))

    # With the command run only after midnight: the first look of the day at 21:00 checks today's
    # rows so far for late ones (by seq) and summarises today whole.
    night_seq = (
        AccessEvent.objects.filter(occurred_at__lt=review._at(today)).order_by("-seq").values_list("seq", flat=True)
    ).first() or 0

    def after_night() -> None:
        review.summarise(*month)
        ReviewDay.objects.filter(day=today).delete()
        ReviewDay.objects.update(checked_seq=night_seq)

    nightly = _timed(partial(review.review, *month), repeats, before=after_night)
    lines.append(("month_first_view_of_the_day_nightly_command_only_ms", f"{statistics.median(nightly):.1f}"))

    # The command over the 29 closed days of the default period and today, nothing kept before.
    _forget()
    started = time.perf_counter()
    call_command("summarise_access_review", "--from", f"{month[0]:%d/%m/%Y}", stdout=open(os.devnull, "w"))  # noqa: SIM115
    lines.append(("command_29_days_and_today_s", f"{time.perf_counter() - started:.2f}"))
    lines.append(("kept_rows", str(sum(m.objects.count() for m in _kept_models()))))

    # The page itself, second view, beside the trivial view.
    auditor = Client()
    auditor.force_login(world.auditor)
    auditor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    anonymous = Client()
    url = reverse("oversight:review")
    response = auditor.get(url)
    assert response.status_code == 200, response.status_code
    assert timezone.localdate() == last_day
    page = _timed(lambda: auditor.get(url), repeats * 4)
    healthz = _timed(lambda: anonymous.get(reverse("healthz")), repeats * 4)
    lines += [
        ("page_month_second_view_p50_ms", f"{statistics.median(page):.1f}"),
        ("page_month_second_view_p95_ms", f"{_p95(page):.1f}"),
        ("healthz_p50_ms", f"{statistics.median(healthz):.2f}"),
        ("page_month_ratio_to_healthz", f"{statistics.median(page) / statistics.median(healthz):.1f}"),
    ]
    return lines


def _kept_models() -> list[Any]:
    from intreccio.oversight.models import ReviewCaseRead, ReviewDay, ReviewGlassRead, ReviewOperatorDay

    return [ReviewDay, ReviewOperatorDay, ReviewCaseRead, ReviewGlassRead]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=60_000, help="access rows a day, on average")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each cold measure (x4 warm)")
    parser.add_argument("--data-dir", help="SQLite only: keep the database here and reuse it")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a temporary SQLite")
    args = parser.parse_args()
    scratch = _setup(args.database_url, args.data_dir)
    try:
        import time_machine
        from django.db import connection
        from django.utils import timezone

        world, last_day, rows = ensure_data(args.days, args.per_day, args.seed)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have them
        now = timezone.make_aware(datetime.datetime.combine(last_day, datetime.time(NOW_HOUR)))
        print(f"# {rows} access rows on {connection.vendor}; now is {now:%d/%m/%Y %H:%M}", flush=True)
        with time_machine.travel(now, tick=True):
            lines = measure(world, last_day, args.repeats)
        head = [
            ("database", connection.vendor),
            ("reference", "the same rules computed live over every day of the period (keep=False), same run"),
            ("access_rows", str(rows)),
            ("days", str(args.days)),
            ("rows_per_day_average", str(rows // args.days)),
        ]
        for name, value in head + lines:
            print(f"{name}: {value}")
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__" and "--build-only" in sys.argv:
    _setup(os.environ.get("DATABASE_URL"), os.environ.get("BENCH_DATA_DIR"))
    print(ensure_data(int(os.environ.get("BENCH_DAYS", "30")), int(os.environ.get("BENCH_PER_DAY", "60000")), 12))
elif __name__ == "__main__":
    main()
