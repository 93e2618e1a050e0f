"""The committed budget of an ambito, for its coordination group (issue 11, 001:108-109).

What the personalised projects of the ambito's open cases commit: validated plans (committed)
and plans submitted for validation (awaiting) apart, for one year (the year of the validation,
or of the submission for a plan still awaiting it), totalled by assistance package, by
prevalent need of the case, by service area and by provider organisation.

Aggregates only, computed in the database with a fixed number of queries whatever the number
of cases: no names, no case numbers. A cell of fewer than 3 cases (5 when a case of the cell
has violence or minors and family as prevalent need, or for those service areas) shows neither
its count nor its amount; when a table would then hide exactly one cell, which its total would
give away, the next smallest cell is withheld too. Interventions of sections the coordination
group may not read (health, disability, violence) count in every total but are not broken down
by service area or provider. Each read of the page is recorded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.access.models import Need
from intreccio.accounts.models import Operator
from intreccio.audit.services import record_access
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import OPEN_STATES
from intreccio.catalogue.models import ServiceArea
from intreccio.plans.models import Plan, PlannedIntervention, PlanStatus
from intreccio.territory.models import Ambito

SMALL_CELL = 3
SENSITIVE_CELL = 5
SENSITIVE_NEEDS = frozenset({Need.VIOLENCE, Need.MINORS_FAMILY})
SENSITIVE_AREAS = frozenset({ServiceArea.VIOLENCE, ServiceArea.MINORS_FAMILY})
# Validated plans commit the budget; submitted ones are awaiting the group's decision.
STATUSES = (PlanStatus.VALIDATED, PlanStatus.SUBMITTED)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Cell:
    """One row of a table: a number of cases and what their plans commit."""

    label: str
    cases: int
    amount: Decimal
    threshold: int = SMALL_CELL
    withheld: bool = False  # hidden so that a suppressed neighbour cannot be worked out from the total
    budget_min: Decimal | None = None  # the package's yearly range, for the package table
    budget_max: Decimal | None = None

    @property
    def small(self) -> bool:
        return self.cases < self.threshold

    @property
    def suppressed(self) -> bool:
        return self.small or self.withheld

    @property
    def average(self) -> Decimal:
        return (self.amount / self.cases).quantize(Decimal("0.01")) if self.cases else ZERO

    @property
    def range_min(self) -> Decimal | None:
        return None if self.budget_min is None else self.budget_min * self.cases

    @property
    def range_max(self) -> Decimal | None:
        return None if self.budget_max is None else self.budget_max * self.cases


@dataclass
class StatusBudget:
    """What the plans of one status commit."""

    status: str
    label: str
    total: Cell
    by_package: list[Cell]
    by_need: list[Cell]
    by_area: list[Cell]
    by_provider: list[Cell]
    not_broken_down: Cell | None  # interventions of sections the group may not read

    @property
    def tables(self) -> list[BudgetTable]:
        return [
            BudgetTable(
                "package", _("By assistance package"), _("Assistance package"), self.by_package, with_range=True
            ),
            BudgetTable("need", _("By prevalent need of the case"), _("Prevalent need"), self.by_need),
            BudgetTable("area", _("By service area"), _("Service area"), self.by_area, self.not_broken_down),
            BudgetTable(
                "provider", _("By provider organisation"), _("Provider"), self.by_provider, self.not_broken_down
            ),
        ]


@dataclass(frozen=True)
class BudgetTable:
    key: str
    title: str
    heading: str
    cells: list[Cell]
    not_broken_down: Cell | None = None
    with_range: bool = False


@dataclass
class BudgetOverview:
    ambito: Ambito
    ambiti: list[Ambito]
    year: int
    years: list[int]
    statuses: list[StatusBudget] = field(default_factory=list)


@dataclass
class _Acc:
    """A cell being summed over the (package, need) rows of the database."""

    cases: int = 0
    amount: Decimal = ZERO
    sensitive: bool = False
    row: Mapping[str, Any] = field(default_factory=dict)

    def add(self, cases: int, amount: Decimal, sensitive: bool) -> None:
        self.cases += cases
        self.amount += amount
        self.sensitive = self.sensitive or sensitive


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _threshold(sensitive: bool) -> int:
    return SENSITIVE_CELL if sensitive else SMALL_CELL


def suppress(cells: Iterable[Cell], *, hidden_small: bool = False) -> list[Cell]:
    """Secondary suppression: a single small cell beside a shown total is withheld with the next smallest.

    ``hidden_small``: the table's row of interventions not broken down (shown apart) is small.
    """
    rows = list(cells)
    if sum(1 for c in rows if c.small) + hidden_small == 1:
        shown = [c for c in rows if not c.small]
        if shown:
            smallest = min(shown, key=lambda c: (c.cases, c.amount))
            rows = [replace(c, withheld=True) if c is smallest else c for c in rows]
    return rows


def _plans(ambito_id: int, year: int) -> QuerySet[Plan]:
    """The current validated or submitted plans of the ambito's open cases, for ``year``."""
    return Plan.objects.filter(
        Q(status=PlanStatus.VALIDATED, validated_on__year=year)
        | Q(status=PlanStatus.SUBMITTED, submitted_on__year=year),
        case__ambito_id=ambito_id,
        case__status__in=OPEN_STATES,
    ).order_by()


def _years(ambito_id: int) -> list[int]:
    base = Plan.objects.filter(case__ambito_id=ambito_id, case__status__in=OPEN_STATES).order_by()
    years = set(
        base.filter(status=PlanStatus.VALIDATED)
        .annotate(y=ExtractYear("validated_on"))
        .values_list("y", flat=True)
        .distinct()
    )
    years |= set(
        base.filter(status=PlanStatus.SUBMITTED, submitted_on__isnull=False)
        .annotate(y=ExtractYear("submitted_on"))
        .values_list("y", flat=True)
        .distinct()
    )
    years.add(timezone.localdate().year)
    return sorted((y for y in years if y is not None), reverse=True)


def _choose_ambito(request: HttpRequest, ambito_ids: set[int]) -> tuple[Ambito, list[Ambito]]:
    ambiti = list(Ambito.objects.filter(pk__in=ambito_ids).order_by("name"))
    wanted = request.GET.get("ambito", "")
    for ambito in ambiti:
        if str(ambito.pk) == wanted:
            return ambito, ambiti
    if wanted:
        raise Http404
    return ambiti[0], ambiti


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("anno", "")
    if not raw:
        return timezone.localdate().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Http404
    return int(raw)


def _status_label(status: str) -> str:
    return str(PlanStatus(status).label)


def budget_overview(*, request: HttpRequest) -> BudgetOverview:
    """The committed budget of one ambito whose coordination group the operator sits in (404 otherwise)."""
    ambito_ids = case_permissions.coordination_ambito_ids(request)
    if not ambito_ids:
        raise Http404
    ambito, ambiti = _choose_ambito(request, ambito_ids)
    year = _year(request)
    membership = getattr(request, "membership", None)
    role = membership.role if membership is not None else ""
    readable = case_permissions.COORDINATION_SECTIONS & case_permissions.ROLE_SECTIONS.get(role, frozenset())

    plans = _plans(ambito.pk, year)
    interventions = PlannedIntervention.objects.filter(plan__in=plans.values("pk")).order_by()
    sensitive_case = Q(plan__case__prevalent_need__in=SENSITIVE_NEEDS)

    # Cases by status, package and need: one plan per case, so plans count cases.
    case_rows = list(
        plans.values(
            "status",
            "package_id",
            "package__code",
            "package__name",
            "package__version",
            "package__budget_min",
            "package__budget_max",
            "case__prevalent_need",
        ).annotate(n=Count("pk"))
    )
    amount_rows = list(
        interventions.values("plan__status", "plan__package_id", "plan__case__prevalent_need").annotate(
            amount=Sum("amount")
        )
    )
    area_rows = list(
        interventions.filter(section__in=readable)
        .values("plan__status", "service__area")
        .annotate(
            amount=Sum("amount"),
            n=Count("plan__case_id", distinct=True),
            sensitive=Count("plan__case_id", distinct=True, filter=sensitive_case),
        )
    )
    provider_rows = list(
        interventions.filter(section__in=readable)
        .values("plan__status", "provider_id", "provider__name")
        .annotate(
            amount=Sum("amount"),
            n=Count("plan__case_id", distinct=True),
            sensitive=Count("plan__case_id", distinct=True, filter=sensitive_case),
        )
    )
    hidden_rows = list(
        interventions.exclude(section__in=readable)
        .values("plan__status")
        .annotate(
            amount=Sum("amount"),
            n=Count("plan__case_id", distinct=True),
            sensitive=Count("plan__case_id", distinct=True, filter=sensitive_case),
        )
    )

    amounts: dict[tuple[str, int | None, str], Decimal] = {
        (r["plan__status"], r["plan__package_id"], r["plan__case__prevalent_need"]): r["amount"] or ZERO
        for r in amount_rows
    }
    statuses = []
    for status in STATUSES:
        packages: dict[int | None, _Acc] = {}
        needs: dict[str, _Acc] = defaultdict(_Acc)
        total = _Acc()
        for row in case_rows:
            if row["status"] != status:
                continue
            need = row["case__prevalent_need"]
            amount = amounts.get((status, row["package_id"], need), ZERO)
            sensitive = need in SENSITIVE_NEEDS
            packages.setdefault(row["package_id"], _Acc(row=row)).add(row["n"], amount, sensitive)
            needs[need].add(row["n"], amount, sensitive)
            total.add(row["n"], amount, sensitive)
        by_package = [_package_cell(entry) for entry in packages.values()]
        by_package.sort(key=lambda c: (c.budget_min is None, c.label))
        by_need = [
            Cell(
                label=str(Need(need).label),
                cases=needs[need].cases,
                amount=needs[need].amount,
                threshold=_threshold(needs[need].sensitive),
            )
            for need in Need.values
            if need in needs
        ]
        hidden = next((r for r in hidden_rows if r["plan__status"] == status), None)
        not_broken_down = _cell(_("Not broken down"), hidden, False) if hidden else None
        by_area = sorted(
            (
                _cell(str(ServiceArea(r["service__area"]).label), r, r["service__area"] in SENSITIVE_AREAS)
                for r in area_rows
                if r["plan__status"] == status
            ),
            key=lambda c: c.label,
        )
        by_provider = sorted(
            (_cell(r["provider__name"], r, False) for r in provider_rows if r["plan__status"] == status),
            key=lambda c: c.label,
        )
        hidden_small = not_broken_down is not None and not_broken_down.small
        statuses.append(
            StatusBudget(
                status=status,
                label=_status_label(status),
                total=Cell(
                    label=_status_label(status),
                    cases=total.cases,
                    amount=total.amount,
                    threshold=_threshold(total.sensitive),
                ),
                by_package=suppress(by_package),
                by_need=suppress(by_need),
                by_area=suppress(by_area, hidden_small=hidden_small),
                by_provider=suppress(by_provider, hidden_small=hidden_small),
                not_broken_down=not_broken_down,
            )
        )
    record_access(
        actor=_actor(request),
        request=request,
        object_type="plans.budget",
        object_id=str(ambito.pk),
        purpose="budget overview",
    )
    return BudgetOverview(ambito=ambito, ambiti=ambiti, year=year, years=_years(ambito.pk), statuses=statuses)


def _cell(label: str, row: Mapping[str, Any], sensitive_area: bool) -> Cell:
    sensitive = sensitive_area or bool(row["sensitive"])
    return Cell(
        label=label,
        cases=int(row["n"]),
        amount=row["amount"] or ZERO,
        threshold=_threshold(sensitive),
    )


def _package_cell(entry: _Acc) -> Cell:
    row, cases, amount, threshold = entry.row, entry.cases, entry.amount, _threshold(entry.sensitive)
    if row["package_id"] is None:
        return Cell(label=_("No package"), cases=cases, amount=amount, threshold=threshold)
    return Cell(
        label=f"{row['package__code']} v{row['package__version']} – {row['package__name']}",
        cases=cases,
        amount=amount,
        threshold=threshold,
        budget_min=row["package__budget_min"],
        budget_max=row["package__budget_max"],
    )
