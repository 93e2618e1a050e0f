"""Loading the demo network: territory, organisations, operators and teams of the Cremonese."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from intreccio.accounts.models import Membership, Operator, Organisation, Role, Structure, Team, TeamMember
from intreccio.audit.services import record_event
from intreccio.demo import data
from intreccio.demo.assessments import demo_assessments_load
from intreccio.demo.blackout import demo_blackout_load
from intreccio.demo.breakglass import demo_breakglass_load
from intreccio.demo.cases import demo_cases_load
from intreccio.demo.catalogue import demo_catalogue_load
from intreccio.demo.intakes import demo_intakes_load
from intreccio.demo.measures import demo_measures_load
from intreccio.demo.meetings import demo_meetings_load
from intreccio.demo.oversight import demo_oversight_load
from intreccio.demo.people import demo_people_load
from intreccio.demo.plans import demo_plans_load
from intreccio.demo.referrals import demo_referrals_load
from intreccio.demo.rights import demo_rights_load
from intreccio.territory.data import ambito_cremonese
from intreccio.territory.models import Ambito, Comune
from intreccio.territory.selectors import comune_list_by_names
from intreccio.territory.services import ComuniLoadSummary, ambito_assign_comuni, ambito_create, comuni_load_istat


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    roles: tuple[str, ...]  # translated role names
    organisation: str


@dataclass
class DemoSummary:
    comuni: ComuniLoadSummary
    ambito: Ambito
    comuni_in_ambito: int
    created: Counter[str] = field(default_factory=Counter)
    logins: list[DemoLogin] = field(default_factory=list)
    password: str = data.DEMO_PASSWORD


def _ambito_ensure(summary_created: Counter[str]) -> Ambito:
    ambito = Ambito.objects.filter(code=ambito_cremonese.AMBITO_CODE).first()
    if ambito is None:
        summary_created["ambiti"] += 1
        ambito = ambito_create(
            code=ambito_cremonese.AMBITO_CODE, name=ambito_cremonese.AMBITO_NAME, region=ambito_cremonese.AMBITO_REGION
        )
    comuni = comune_list_by_names(province_code=ambito_cremonese.PROVINCE, names=ambito_cremonese.COMUNI)
    ambito_assign_comuni(ambito=ambito, comuni=comuni)
    return ambito


def _organisations_ensure(ambito: Ambito, created: Counter[str]) -> dict[tuple[str, str], Structure]:
    istat_codes = {s.comune_istat for spec in data.ORGANISATIONS for s in spec.structures if s.comune_istat}
    comuni = Comune.objects.in_bulk(istat_codes, field_name="istat_code")
    structures: dict[tuple[str, str], Structure] = {}
    for spec in data.ORGANISATIONS:
        organisation, was_created = Organisation.objects.update_or_create(
            ambito=ambito,
            name=spec.name,
            defaults={"short_name": spec.short_name, "kind": spec.kind, "is_active": True},
        )
        created["organisations"] += was_created
        for structure_spec in spec.structures:
            comune = comuni[structure_spec.comune_istat] if structure_spec.comune_istat else None
            structure, was_created = Structure.objects.update_or_create(
                organisation=organisation,
                name=structure_spec.name,
                defaults={
                    "comune": comune,
                    "is_active": True,
                    "keeps_notes_private": structure_spec.keeps_notes_private,
                },
            )
            created["structures"] += was_created
            structures[(spec.key, structure_spec.name)] = structure
    return structures


class _DemoPassword:
    """The demo password hashed once: hashing is deliberately slow and all accounts share it."""

    def __init__(self) -> None:
        self._encoded: str | None = None
        self._verified: dict[str, bool] = {}

    def encoded(self) -> str:
        if self._encoded is None:
            self._encoded = make_password(data.DEMO_PASSWORD)
            self._verified[self._encoded] = True
        return self._encoded

    def matches(self, encoded: str) -> bool:
        if encoded not in self._verified:
            self._verified[encoded] = bool(encoded) and check_password(data.DEMO_PASSWORD, encoded)
        return self._verified[encoded]


def _operators_ensure(
    structures: dict[tuple[str, str], Structure], created: Counter[str]
) -> tuple[dict[str, Operator], list[DemoLogin]]:
    password = _DemoPassword()
    operators: dict[str, Operator] = {}
    logins = []
    for spec in data.OPERATORS:
        operator, was_created = Operator.objects.update_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": spec.email,
                "is_demo": True,
                "is_active": True,
            },
        )
        created["operators"] += was_created
        # Reset a demo password someone changed, so the printed logins always work.
        if not password.matches(operator.password):
            operator.password = password.encoded()
            operator.save(update_fields=["password"])
        for membership_spec in spec.memberships:
            _membership, was_created = Membership.objects.update_or_create(
                operator=operator,
                structure=structures[(membership_spec.organisation, membership_spec.structure)],
                role=membership_spec.role,
                valid_from=data.MEMBERSHIPS_FROM,
                defaults={"valid_to": None},
            )
            created["memberships"] += was_created
        operators[spec.username] = operator
        first = structures[(spec.memberships[0].organisation, spec.memberships[0].structure)]
        logins.append(
            DemoLogin(
                username=spec.username,
                full_name=operator.get_full_name(),
                roles=tuple(str(Role(m.role).label) for m in spec.memberships),
                organisation=first.organisation.name,
            )
        )
    return operators, logins


def _teams_ensure(ambito: Ambito, operators: dict[str, Operator], created: Counter[str]) -> None:
    for spec in data.TEAMS:
        team, was_created = Team.objects.update_or_create(
            ambito=ambito, name=spec.name, defaults={"kind": spec.kind, "is_active": True}
        )
        created["teams"] += was_created
        # The chair goes last: one chair per team is a database constraint.
        ordered = sorted(spec.members, key=lambda username: username == spec.chair)
        for username in ordered:
            _member, was_created = TeamMember.objects.update_or_create(
                team=team, operator=operators[username], defaults={"is_chair": username == spec.chair}
            )
            created["team_members"] += was_created


@transaction.atomic
def demo_load() -> DemoSummary:
    """Create or refresh the demo network; running it again leaves the same rows."""
    comuni = comuni_load_istat()
    created: Counter[str] = Counter()
    ambito = _ambito_ensure(created)
    structures = _organisations_ensure(ambito, created)
    operators, logins = _operators_ensure(structures, created)
    _teams_ensure(ambito, operators, created)
    created.update(demo_people_load(operators=operators).created)
    created.update(demo_catalogue_load(ambito=ambito, operators=operators))
    created.update(demo_cases_load(operators=operators))
    created.update(demo_intakes_load(operators=operators))
    created.update(demo_assessments_load(operators=operators))
    created.update(demo_plans_load(operators=operators))
    created.update(demo_measures_load(operators=operators))
    created.update(demo_meetings_load(operators=operators))
    # The privacy features, on top of the cases: what each page shows on first sight.
    demo_referrals_load(created)
    demo_blackout_load(created)
    demo_breakglass_load(created)
    demo_rights_load(created)
    demo_oversight_load(created)
    if any(created.values()):
        record_event(action="demo.network.loaded", actor=None, target=ambito, payload={"created": dict(created)})
    return DemoSummary(
        comuni=comuni,
        ambito=ambito,
        comuni_in_ambito=ambito.comuni.count(),
        created=created,
        logins=logins,
    )
