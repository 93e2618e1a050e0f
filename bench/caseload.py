"""Caseload and case page cost as the number of cases grows (PERFORMANCE.md; issue 11's "stay flat").

Builds N cases with teams and notes in a scratch database (a temporary SQLite file by default,
or ``DATABASE_URL``), then measures through Django's test client, in the same run:
- the reference: the ``healthz`` view (a trivial Django view through the whole middleware stack);
- the caseload of a case manager (their own cases, 1/50 of the ambito's);
- the caseload of the coordination group (every case of the ambito, paginated);
- the case page of one case (4 team members, 10 notes) and its timeline fragment.
For each: query count, p50/p95 in ms, and the p50 ratio to the reference. After the last size
the growth factor (last size's ratio ÷ first size's ratio) says whether the cost stays flat.

    .venv/bin/python bench/caseload.py                      # 2,000 then 20,000 cases
    .venv/bin/python bench/caseload.py --cases 500 5000 --requests 20
    DATABASE_URL=postgres://postgres@127.0.0.1:55451/bench .venv/bin/python bench/caseload.py
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
CASE_MANAGERS = 50
NOTES_PER_CASE = 2
BATCH = 2000


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ["INTRECCIO_DATA_DIR"] = tempfile.mkdtemp(prefix="intreccio-bench-")
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, in-memory mail
    # Demo accounts skip the second factor: the benchmark signs in with force_login.
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    call_command("migrate", verbosity=0)


class World:
    """One ambito with a comune, a CPI and a health trust, 50 case managers, a coordinator."""

    def __init__(self) -> None:
        from intreccio.accounts.models import (
            Membership,
            Operator,
            Organisation,
            OrganisationKind,
            Role,
            Structure,
            Team,
            TeamKind,
            TeamMember,
        )
        from intreccio.territory.models import Ambito

        self.ambito = Ambito.objects.create(code="BENCH", name="Ambito del benchmark", region="Lombardia")
        self.comune = Organisation.objects.create(name="Comune", kind=OrganisationKind.COMUNE, ambito=self.ambito)
        cpi_org = Organisation.objects.create(name="CPI", kind=OrganisationKind.EMPLOYMENT_CENTRE, ambito=self.ambito)
        asst = Organisation.objects.create(name="ASST", kind=OrganisationKind.HEALTH_TRUST, ambito=self.ambito)
        self.social = Structure.objects.create(organisation=self.comune, name="Servizio sociale")
        self.cpi = Structure.objects.create(organisation=cpi_org, name="CPI")
        self.serd = Structure.objects.create(organisation=asst, name="SerD", keeps_notes_private=True)
        start = datetime.date(2020, 1, 1)

        def operator(username: str, structure: Any, role: str) -> Any:
            op = Operator.objects.create(username=username, first_name="Bench", last_name=username, is_demo=True)
            Membership.objects.create(operator=op, structure=structure, role=role, valid_from=start)
            return op

        self.managers = [operator(f"cm{i:02d}", self.social, Role.SOCIAL_WORKER) for i in range(CASE_MANAGERS)]
        self.cpi_op = operator("cpi", self.cpi, Role.CPI_OPERATOR)
        self.serd_op = operator("serd", self.serd, Role.HEALTH_SPECIALIST)
        self.educator = operator("edu", self.social, Role.EDUCATOR)
        self.coordinator = operator("coord", self.social, Role.COORDINATOR)
        group = Team.objects.create(name="Coordinamento", kind=TeamKind.COORDINATION_GROUP, ambito=self.ambito)
        TeamMember.objects.create(team=group, operator=self.coordinator, is_chair=True)
        self.count = 0

    def grow_to(self, total: int) -> None:
        """Add cases (with person, team of 4, notes) until the ambito has ``total``."""
        from django.db import transaction

        from intreccio.cases.models import Case, CaseMember, CaseNote, CaseStatus, Priority, TeamRole
        from intreccio.people.models import NoFiscalCodeReason, Person

        statuses = [CaseStatus.ACTIVE, CaseStatus.ASSESSING, CaseStatus.ALLOCATED, CaseStatus.SUSPENDED]
        priorities = [Priority.ORDINARY, Priority.ORDINARY, Priority.HIGH, Priority.URGENT]
        day = datetime.date(2025, 1, 1)
        while self.count < total:
            size = min(BATCH, total - self.count)
            with transaction.atomic():
                persons = Person.objects.bulk_create(
                    [
                        Person(
                            first_name="Persona",
                            last_name=f"Bench{self.count + i}",
                            no_fiscal_code_reason=NoFiscalCodeReason.NOT_YET_ASSIGNED,
                            registered_by=self.comune,
                            created_by=self.coordinator,
                        )
                        for i in range(size)
                    ]
                )
                cases = Case.objects.bulk_create(
                    [
                        Case(
                            ambito=self.ambito,
                            number=f"BENCH-{self.count + i:07d}",
                            person=person,
                            status=statuses[i % len(statuses)],
                            priority=priorities[i % len(priorities)],
                            prevalent_need="work",
                            case_manager=self.managers[(self.count + i) % CASE_MANAGERS],
                            case_manager_structure=self.social,
                            accessed_on=day,
                            taken_in_charge_on=day + datetime.timedelta(days=i % 30),
                        )
                        for i, person in enumerate(persons)
                    ]
                )
                members = []
                notes = []
                for case in cases:
                    members += [
                        CaseMember(
                            case=case,
                            operator=case.case_manager,
                            structure=self.social,
                            team_role=TeamRole.CASE_MANAGER,
                            joined_on=day,
                        ),
                        CaseMember(
                            case=case,
                            operator=self.cpi_op,
                            structure=self.cpi,
                            team_role=TeamRole.CPI_TUTOR,
                            joined_on=day,
                        ),
                        CaseMember(
                            case=case,
                            operator=self.serd_op,
                            structure=self.serd,
                            team_role=TeamRole.SERD_OPERATOR,
                            joined_on=day,
                        ),
                        CaseMember(
                            case=case,
                            operator=self.educator,
                            structure=self.social,
                            team_role=TeamRole.EDUCATOR,
                            joined_on=day,
                        ),
                    ]
                    notes += [
                        CaseNote(
                            case=case,
                            section="common",
                            text=f"Nota {n}",
                            author=case.case_manager,
                            author_structure=self.social,
                        )
                        for n in range(NOTES_PER_CASE)
                    ]
                CaseMember.objects.bulk_create(members)
                CaseNote.objects.bulk_create(notes)
            self.count += size

    def probe_case(self) -> int:
        """The measured case page: the first manager's latest case, given 10 notes."""
        from intreccio.cases.models import Case, CaseNote

        case = Case.objects.filter(case_manager=self.managers[0]).order_by("-pk").first()
        assert case is not None
        missing = 10 - CaseNote.objects.filter(case=case).count()
        CaseNote.objects.bulk_create(
            [
                CaseNote(
                    case=case, section="common", text="Nota", author=case.case_manager, author_structure=self.social
                )
                for _n in range(max(missing, 0))
            ]
        )
        return case.pk


def _measure(get: Callable[[], Any], requests: int) -> dict[str, float]:
    from django.db import connection

    for _warm in range(3):
        response = get()
        assert response.status_code == 200, response.status_code
    # Django empties the query log when a request starts, so after one request it holds that request's.
    connection.force_debug_cursor = True
    get()
    queries = len(connection.queries)
    connection.force_debug_cursor = False
    times = []
    for _n in range(requests):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return {"queries": queries, "p50_ms": statistics.median(times), "p95_ms": cuts[18]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[2000, 20000], help="sizes, ascending")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page and size")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a temporary SQLite")
    args = parser.parse_args()
    _setup(args.database_url)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    world = World()
    manager = Client()
    manager.force_login(world.managers[0])
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    coordinator = Client()
    coordinator.force_login(world.coordinator)
    reference = Client()

    results: dict[int, dict[str, dict[str, float]]] = {}
    for size in sorted(args.cases):
        built = time.perf_counter()
        world.grow_to(size)
        case_pk = world.probe_case()
        print(f"# {size} cases built in {time.perf_counter() - built:.1f}s on {connection.vendor}", flush=True)
        pages: dict[str, Callable[[], Any]] = {
            "healthz": partial(reference.get, reverse("healthz")),
            "caseload_manager": partial(manager.get, reverse("cases:caseload")),
            "caseload_ambito": partial(coordinator.get, reverse("cases:caseload"), {"scope": "ambito", "status": ""}),
            "case_page": partial(manager.get, reverse("cases:case_detail", args=[case_pk])),
            "case_timeline": partial(manager.get, reverse("cases:case_timeline", args=[case_pk])),
        }
        results[size] = {name: _measure(get, args.requests) for name, get in pages.items()}
        for name, figures in results[size].items():
            timing = f"p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms"
            print(f"#   {name}: {figures['queries']} queries, {timing}")

    sizes = sorted(results)
    lines: list[tuple[str, str]] = [("database", connection.vendor), ("reference", "healthz view, same run")]
    for size in sizes:
        ref = results[size]["healthz"]["p50_ms"]
        lines.append((f"healthz_p50_ms_{size}", f"{ref:.2f}"))
        for name, figures in results[size].items():
            if name == "healthz":
                continue
            lines += [
                (f"{name}_queries_{size}", str(figures["queries"])),
                (f"{name}_p50_ms_{size}", f"{figures['p50_ms']:.2f}"),
                (f"{name}_p95_ms_{size}", f"{figures['p95_ms']:.2f}"),
                (f"{name}_ratio_to_healthz_{size}", f"{figures['p50_ms'] / ref:.2f}"),
            ]
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        for name in results[first]:
            if name == "healthz":
                continue
            ratio_first = results[first][name]["p50_ms"] / results[first]["healthz"]["p50_ms"]
            ratio_last = results[last][name]["p50_ms"] / results[last]["healthz"]["p50_ms"]
            lines.append((f"{name}_growth_{first}_to_{last}", f"{ratio_last / ratio_first:.2f}"))
            lines.append(
                (
                    f"{name}_queries_growth_{first}_to_{last}",
                    str(results[last][name]["queries"] - results[first][name]["queries"]),
                )
            )
    for name, value in lines:
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
