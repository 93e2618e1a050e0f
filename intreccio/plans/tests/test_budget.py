"""The committed budget page of the coordination group: totals, small cells, hidden sections, scope."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intreccio.access.models import Need
from intreccio.accounts.models import Membership, Organisation, Role
from intreccio.audit.models import AccessEvent
from intreccio.cases.models import Case, CaseStatus
from intreccio.cases.tests.conftest import TODAY, Net
from intreccio.cases.tests.pages import client_for
from intreccio.catalogue.models import AssistancePackage, QuantityBasis, Service
from intreccio.core.navigation import links_for
from intreccio.people.tests.factories import PersonFactory
from intreccio.plans.budget import BudgetOverview, Cell, StatusBudget, budget_overview
from intreccio.plans.models import Plan, PlannedIntervention, PlanStatus, section_of_service
from intreccio.plans.tests.conftest import Catalogue
from intreccio.plans.tests.matrix_rules import RULES

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
THIS_YEAR = TODAY.year


def make_case(
    net: Net,
    *,
    need: str = Need.WORK,
    status: str = PlanStatus.VALIDATED,
    package: AssistancePackage | None = None,
    lines: list[tuple[Service, Organisation, str]] = (),  # type: ignore[assignment]
    on: datetime.date = TODAY,
    case_status: str = CaseStatus.ACTIVE,
) -> Case:
    """A case of the ambito with a current plan of ``status`` and its interventions (amounts as given)."""
    n = next(_numbers)
    case = Case.objects.create(
        ambito=net.ambito,
        number=f"BUDGET-{n:04d}",
        person=PersonFactory.create(registered_by=net.social.organisation, created_by=net.alice),
        prevalent_need=need,
        status=case_status,
        case_manager=net.alice,
        case_manager_structure=net.social,
        accessed_on=on - datetime.timedelta(days=30),
        taken_in_charge_on=on - datetime.timedelta(days=20),
        **({"closed_on": on, "closure_outcome": "goals_met"} if case_status == CaseStatus.CLOSED else {}),
    )
    plan = Plan.objects.create(
        case=case,
        status=status,
        package=package,
        created_by=net.alice,
        submitted_on=on,
        validated_on=on if status == PlanStatus.VALIDATED else None,
    )
    for service, provider, amount in lines:
        PlannedIntervention.objects.create(
            plan=plan,
            service=service,
            section=section_of_service(service),
            provider=provider,
            quantity=Decimal(1),
            basis=QuantityBasis.TOTAL,
            unit_cost=Decimal(amount),
            amount=Decimal(amount),
        )
    return case


def overview(net: Net, year: int | None = None) -> BudgetOverview:
    request = net.request(net.carla)
    if year is not None:
        request.GET = QueryDict(f"anno={year}")
    return budget_overview(request=request)


def status(found: BudgetOverview, which: str) -> StatusBudget:
    return next(s for s in found.statuses if s.status == which)


def cell(cells: list[Cell], label: str) -> Cell:
    return next(c for c in cells if c.label.startswith(label))


URL = reverse("plans:budget")


class TestTotals:
    def test_by_package_need_area_provider_with_validated_and_submitted_apart(self, net: Net, cat: Catalogue) -> None:
        for _n in range(3):
            make_case(net, package=cat.low, lines=[(cat.ori, cat.cpi_org, "350"), (cat.tir, cat.coop, "2000")])
        for _n in range(4):
            make_case(net, need=Need.POVERTY, package=cat.low, lines=[(cat.puc, cat.coop, "1200")])
        for _n in range(3):
            make_case(net, need=Need.HOUSING, status=PlanStatus.SUBMITTED, lines=[(cat.puc, cat.coop, "600")])
        make_case(net, status=PlanStatus.DRAFT, lines=[(cat.tir, cat.coop, "9999")])
        make_case(net, case_status=CaseStatus.CLOSED, lines=[(cat.tir, cat.coop, "8888")])

        found = overview(net)
        validated, submitted = status(found, PlanStatus.VALIDATED), status(found, PlanStatus.SUBMITTED)

        assert (validated.total.cases, validated.total.amount) == (7, Decimal("11850"))
        assert validated.total.average == Decimal("1692.86")
        assert (submitted.total.cases, submitted.total.amount) == (3, Decimal("1800"))
        package = cell(validated.by_package, "PA-02")
        assert (package.cases, package.amount) == (7, Decimal("11850"))
        assert (package.range_min, package.range_max) == (Decimal("14000"), Decimal("28000"))
        assert cell(submitted.by_package, "No package").cases == 3
        assert {(c.label, c.cases, c.amount) for c in validated.by_need} == {
            ("Work", 3, Decimal("7050")),
            ("Poverty / income", 4, Decimal("4800")),
        }
        assert {(c.label, c.cases, c.amount) for c in validated.by_area} == {
            ("Work", 3, Decimal("7050")),
            ("Poverty and social inclusion", 4, Decimal("4800")),
        }
        assert {(c.label, c.cases, c.amount) for c in validated.by_provider} == {
            ("Centro per l'Impiego", 3, Decimal("1050")),
            ("Cooperativa Il Cerchio", 7, Decimal("10800")),
        }
        assert not any(c.suppressed for c in validated.by_need + validated.by_area + validated.by_provider)
        assert validated.not_broken_down is None

    def test_the_page_shows_the_amounts_in_euro_italian_style(self, net: Net, cat: Catalogue) -> None:
        for _n in range(3):
            make_case(net, package=cat.low, lines=[(cat.ori, cat.cpi_org, "350"), (cat.tir, cat.coop, "2000")])
        client = client_for(net.carla)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
        page = client.get(URL).content.decode()
        assert "€\u00a07.050,00" in page
        assert "€\u00a06.000,00 – €\u00a012.000,00" in page  # PA-02's range × 3 cases
        assert "BUDGET-0" not in page  # no case numbers
        assert "Bianchi" not in page  # no names

    def test_the_year_selector(self, net: Net, cat: Catalogue) -> None:
        last_year = TODAY.replace(year=THIS_YEAR - 1, day=1)
        for _n in range(3):
            make_case(net, lines=[(cat.tir, cat.coop, "1000")], on=last_year)
        for _n in range(3):
            make_case(net, lines=[(cat.tir, cat.coop, "500")])
        assert status(overview(net), PlanStatus.VALIDATED).total.amount == Decimal("1500")
        assert status(overview(net, THIS_YEAR - 1), PlanStatus.VALIDATED).total.amount == Decimal("3000")
        assert overview(net).years == [THIS_YEAR, THIS_YEAR - 1]
        page = client_for(net.carla).get(URL, {"anno": THIS_YEAR - 1}).content.decode()
        assert "€3,000.00" in page and "€1,500.00" not in page
        assert f'<option value="{THIS_YEAR - 1}" selected>' in page
        assert client_for(net.carla).get(URL, {"anno": "ieri"}).status_code == 404


class TestSmallCells:
    def test_two_cases_show_fewer_than_3_and_no_amount(self, net: Net, cat: Catalogue) -> None:
        for _n in range(2):
            make_case(net, need=Need.HOUSING, lines=[(cat.puc, cat.coop, "777")])
        validated = status(overview(net), PlanStatus.VALIDATED)
        assert validated.total.suppressed and cell(validated.by_need, "Housing").suppressed
        page = client_for(net.carla).get(URL).content.decode()
        assert "Fewer than 3 cases: not shown." in page
        assert "&lt; 3" in page
        assert "777" not in page and "1,554" not in page

    def test_violence_needs_five_cases(self, net: Net, cat: Catalogue) -> None:
        for _n in range(4):
            make_case(net, need=Need.VIOLENCE, lines=[(cat.puc, cat.coop, "321")])
        for _n in range(6):
            make_case(net, lines=[(cat.tir, cat.coop, "1000")])
        validated = status(overview(net), PlanStatus.VALIDATED)
        violence = cell(validated.by_need, "Violence")
        assert violence.cases == 4 and violence.threshold == 5 and violence.small
        # The only small cell would be the total minus the others: the next smallest is withheld.
        assert cell(validated.by_need, "Work").withheld
        page = client_for(net.carla).get(URL).content.decode()
        assert "&lt; 5" in page
        assert "€1,284.00" not in page and "€6,000.00" not in page
        assert "€7,284.00" in page  # the total of 10 cases is shown

    def test_minors_and_family_need_five_cases(self, net: Net, cat: Catalogue) -> None:
        for _n in range(4):
            make_case(net, need=Need.MINORS_FAMILY, lines=[(cat.gen, cat.asst, "400")])
        validated = status(overview(net), PlanStatus.VALIDATED)
        assert validated.total.suppressed
        assert cell(validated.by_area, "Minors and family").small


class TestHiddenSections:
    def test_health_interventions_count_in_totals_but_are_not_broken_down(self, net: Net, cat: Catalogue) -> None:
        for _n in range(3):
            make_case(net, lines=[(cat.tir, cat.coop, "1000"), (cat.serd, cat.asst, "480")])
        validated = status(overview(net), PlanStatus.VALIDATED)
        assert validated.total.amount == Decimal("4440")
        assert cell(validated.by_package, "No package").amount == Decimal("4440")
        assert cell(validated.by_need, "Work").amount == Decimal("4440")
        assert [(c.label, c.amount) for c in validated.by_area] == [("Work", Decimal("3000"))]
        assert [(c.label, c.amount) for c in validated.by_provider] == [("Cooperativa Il Cerchio", Decimal("3000"))]
        assert validated.not_broken_down is not None
        assert (validated.not_broken_down.cases, validated.not_broken_down.amount) == (3, Decimal("1440"))
        page = client_for(net.carla).get(URL).content.decode()
        assert "are not broken down by service area or provider" in page
        assert "Mental health and addiction" not in page
        assert "ASST" not in page and "SerD" not in page


class TestAccess:
    def test_404_for_operators_outside_the_group(self, net: Net, cat: Catalogue) -> None:
        for operator in (net.dario, net.bob, net.sara, net.olga, net.alice):
            assert client_for(operator).get(URL).status_code == 404

    def test_404_for_a_member_acting_as_cpi_operator(self, net: Net, cat: Catalogue) -> None:
        Membership.objects.create(operator=net.carla, structure=net.cpi, role=Role.CPI_OPERATOR, valid_from=TODAY)
        assert client_for(net.carla, Role.CPI_OPERATOR).get(URL).status_code == 404
        assert client_for(net.carla, Role.COORDINATOR).get(URL).status_code == 200
        assert URL not in [link.url for link in links_for(net.request(net.carla, Role.CPI_OPERATOR))]

    def test_the_nav_entry(self, net: Net, cat: Catalogue) -> None:
        assert URL in [link.url for link in links_for(net.request(net.carla))]
        assert URL not in [link.url for link in links_for(net.request(net.dario))]
        assert URL not in [link.url for link in links_for(net.request(net.bob))]

    def test_another_ambito_is_404(self, net: Net, cat: Catalogue) -> None:
        assert client_for(net.carla).get(URL, {"ambito": net.other_ambito.pk}).status_code == 404

    def test_one_access_event_per_read(self, net: Net, cat: Catalogue) -> None:
        for _n in range(3):
            make_case(net, lines=[(cat.tir, cat.coop, "1000")])
        before = AccessEvent.objects.count()
        assert client_for(net.carla).get(URL).status_code == 200
        assert AccessEvent.objects.count() == before + 1
        event = AccessEvent.objects.order_by("-pk").first()
        assert event is not None
        assert (event.object_type, event.object_id, event.purpose) == (
            "plans.budget",
            str(net.ambito.pk),
            "budget overview",
        )
        assert event.actor_id == net.carla.pk

    def test_the_matrix_rule(self) -> None:
        assert RULES["plans:budget"].roles == frozenset({Role.COORDINATOR.value})


class TestQueries:
    def test_a_fixed_number_of_queries_whatever_the_number_of_cases(self, net: Net, cat: Catalogue) -> None:
        def add(n: int) -> None:
            for i in range(n):
                make_case(
                    net,
                    need=(Need.WORK, Need.POVERTY, Need.VIOLENCE)[i % 3],
                    status=(PlanStatus.VALIDATED, PlanStatus.SUBMITTED)[i % 2],
                    package=cat.low if i % 2 else None,
                    lines=[(cat.tir, cat.coop, "500"), (cat.serd, cat.asst, "80"), (cat.ori, cat.cpi_org, "35")],
                )

        client: Client = client_for(net.carla)
        add(3)
        client.get(URL)  # warm the session and the caches
        with CaptureQueriesContext(connection) as few:
            assert client.get(URL).status_code == 200
        add(27)
        with CaptureQueriesContext(connection) as many:
            assert client.get(URL).status_code == 200
        assert len(many) == len(few)
