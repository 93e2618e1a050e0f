"""The case network of the cases app, with a catalogue, a package and a case ready to plan.

Alice (social worker) manages Giulia's case; Bob (CPI) and Sara (SerD health specialist) are on
its team; Carla sits in the coordination group; Dario is a social worker off the team; Olga
works in another ambito. The CPI profiled Giulia as class C (low employability) with a low care
load, so package PA-02 fits her.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from intreccio.accounts.models import Organisation
from intreccio.assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    AssessmentTool,
    EmployabilityProfile,
)
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, TeamRole
from intreccio.cases.tests.conftest import TODAY, Net, english, net  # noqa: F401  (fixtures)
from intreccio.catalogue.models import (
    AssistancePackage,
    CareLoad,
    Employability,
    Intensity,
    PackageItem,
    PackageStatus,
    QuantityBasis,
    Service,
    ServiceArea,
    ServiceUnit,
)
from intreccio.plans import services
from intreccio.plans.models import GoalStatus, Owner, PactType, Plan, PlanStatus

HEALTH_SENTINEL = "SENTINELLA-SANITARIA-7731"


@dataclass
class Catalogue:
    coop: Organisation
    cpi_org: Organisation
    asst: Organisation
    ori: Service  # job search, hourly
    tir: Service  # internship, monthly
    puc: Service
    serd: Service  # mental health and addiction: the health section
    gen: Service  # parenting support
    low: AssistancePackage  # PA-02: low employability, low care load


def _service(ambito: Any, code: str, name: str, area: str, unit: str, cost: str, providers: list[Organisation],
             work: bool = False) -> Service:  # fmt: skip
    service = Service.objects.create(
        ambito=ambito, code=code, name=name, area=area, unit=unit, unit_cost=Decimal(cost), is_work_path=work
    )
    service.providers.set(providers)
    return service


@pytest.fixture
def cat(net: Net) -> Catalogue:  # noqa: F811
    coop = Organisation.objects.create(name="Cooperativa Il Cerchio", kind="third_sector", ambito=net.ambito)
    cpi_org = net.cpi.organisation
    asst = net.serd.organisation
    ori = _service(
        net.ambito, "ORI", "Orientamento al lavoro", ServiceArea.WORK, ServiceUnit.HOUR, "35", [cpi_org, coop], True
    )
    tir = _service(
        net.ambito, "TIR", "Tirocinio di inclusione", ServiceArea.WORK, ServiceUnit.MONTH, "500", [coop], True
    )
    puc = _service(
        net.ambito, "PUC", "Progetti utili alla collettività", ServiceArea.POVERTY, ServiceUnit.MONTH, "120", [coop]
    )
    serd = _service(
        net.ambito, "SERD", "Raccordo con il SerD", ServiceArea.MENTAL_HEALTH_ADDICTION, ServiceUnit.HOUR, "40", [asst]
    )
    gen = _service(
        net.ambito, "GEN", "Sostegno alla genitorialità", ServiceArea.MINORS_FAMILY, ServiceUnit.HOUR, "40", [asst]
    )
    low = AssistancePackage.objects.create(
        ambito=net.ambito,
        code="PA-02",
        name="Bassa occupabilità, basso carico di cura",
        employability=Employability.LOW,
        care_load=CareLoad.LOW,
        intensity=Intensity.MEDIUM,
        status=PackageStatus.APPROVED,
        approved_by="Cabina di regia — verbale n. 3",
        approved_on=TODAY - datetime.timedelta(days=400),
        budget_min=Decimal("2000"),
        budget_max=Decimal("4000"),
    )
    PackageItem.objects.create(package=low, service=ori, quantity=Decimal("10"), basis=QuantityBasis.TOTAL)
    PackageItem.objects.create(package=low, service=tir, quantity=Decimal("4"), basis=QuantityBasis.TOTAL)
    return Catalogue(coop=coop, cpi_org=cpi_org, asst=asst, ori=ori, tir=tir, puc=puc, serd=serd, gen=gen, low=low)


def give_profile(case: Case, klass: str, *, care_level: int = 0, health_level: int = 1, by: Any = None) -> None:
    """A completed CPI interview with its class, and an in-depth assessment with need levels."""
    operator = by or case.case_manager
    interview_tool = AssessmentTool.objects.get(kind=AssessmentKind.CPI_INTERVIEW, is_published=True)
    interview = Assessment.objects.create(
        case=case,
        tool=interview_tool,
        kind=AssessmentKind.CPI_INTERVIEW,
        started_by=operator,
        status=AssessmentStatus.COMPLETED,
        completed_by=operator,
        completed_at=timezone.now(),
        profile=klass,
    )
    EmployabilityProfile.objects.create(case=case, assessment=interview, employability_class=klass, created_by=operator)
    depth_tool = AssessmentTool.objects.get(kind=AssessmentKind.IN_DEPTH, is_published=True)
    Assessment.objects.create(
        case=case,
        tool=depth_tool,
        kind=AssessmentKind.IN_DEPTH,
        started_by=operator,
        status=AssessmentStatus.COMPLETED,
        completed_by=operator,
        completed_at=timezone.now(),
        scores={"care_load": {"level": care_level}, "health": {"level": health_level}, "work": {"level": 3}},
        dimension_sections={"care_load": "common", "health": "health", "work": "work"},
    )


def open_case(net: Net, *, intake: Any = None) -> Case:  # noqa: F811
    case = case_services.case_open(
        request=net.request(net.carla),
        intake=intake or net.intake,
        case_manager=net.alice,
        case_manager_structure=net.social,
        members=[(net.bob, net.cpi, TeamRole.CPI_TUTOR), (net.sara, net.serd, TeamRole.SERD_OPERATOR)],
        taken_in_charge_on=(intake or net.intake).received_on + datetime.timedelta(days=2),
    )
    return case_services.case_start_assessment(request=net.request(net.alice), case=case, version=case.version)


@pytest.fixture
def case(net: Net, cat: Catalogue) -> Case:  # noqa: F811
    case = open_case(net)
    give_profile(case, "C", care_level=1)
    return case


def draft_plan(net: Net, case: Case, pact_type: str = PactType.INCLUSION, subtype: str = "") -> Plan:  # noqa: F811
    return services.plan_create(
        request=net.request(net.alice),
        case=case,
        pact=services.PactData(pact_type=pact_type, subtype=subtype),
        summary="Percorso verso il lavoro con tirocinio.",
    )


def fill_plan(net: Net, plan: Plan, cat: Catalogue) -> Plan:  # noqa: F811
    """Goals, commitments and the package's interventions, exactly to standard."""
    alice = net.request(net.alice)
    plan.refresh_from_db()
    services.goal_add(
        request=alice,
        plan=plan,
        version=plan.version,
        data=services.GoalData(
            text="Trovare un lavoro stabile", indicator="Contratto firmato", target="1 contratto",
            due_on=TODAY + datetime.timedelta(days=180),
        ),
    )  # fmt: skip
    plan.refresh_from_db()
    services.commitment_add(
        request=alice,
        plan=plan,
        version=plan.version,
        data=services.CommitmentData(owner=Owner.PERSON, text="Partecipare ai colloqui di orientamento"),
    )
    plan.refresh_from_db()
    services.commitment_add(
        request=alice,
        plan=plan,
        version=plan.version,
        data=services.CommitmentData(owner=Owner.SERVICE, structure=net.cpi, text="Proporre due tirocini"),
    )
    for service, provider, quantity in ((cat.ori, cat.cpi_org, "10"), (cat.tir, cat.coop, "4")):
        plan.refresh_from_db()
        services.intervention_add(
            request=alice,
            plan=plan,
            version=plan.version,
            data=services.InterventionData(
                service=service, provider=provider, quantity=Decimal(quantity), basis=QuantityBasis.TOTAL,
                starts_on=TODAY,
            ),
        )  # fmt: skip
    plan.refresh_from_db()
    return plan


def validated_plan(net: Net, case: Case, cat: Catalogue, **kwargs: Any) -> Plan:  # noqa: F811
    plan = fill_plan(net, draft_plan(net, case, **kwargs), cat)
    plan = services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
    plan = services.plan_validate(request=net.request(net.carla), plan=plan, version=plan.version)
    assert plan.status == PlanStatus.VALIDATED
    return plan


__all__ = ["HEALTH_SENTINEL", "GoalStatus"]
