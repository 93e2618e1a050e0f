"""Demo personalised projects for the demo cases past assessment, through the plans services.

- Giulia Ferrari (active, returned to the team and resumed): a validated patto gener-attivo for
  social inclusion built on her package, an intervention started, and a check-in held about
  100 days ago at 60 % realised, below the 70 % target, so her next check-in is overdue.
- Stefano Galli (project drafted, followed by the SerD): a therapeutic path without work (seed
  002:14) submitted to the coordination group, with a rent contribution outside the package and
  its reason.
- The Diallo household (being assessed): a draft patto per l'inclusione.
Closed cases are left alone (a plan is drafted only for an open case). A case that already has a
plan is not touched, so running the loader again changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.assessments.selectors import case_profiles
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, CaseStatus
from intreccio.catalogue.models import AssistancePackage, PackageStatus, QuantityBasis, Service
from intreccio.demo.cases import _request
from intreccio.plans import services
from intreccio.plans.models import (
    GoalStatus,
    Owner,
    PactSubtype,
    PactType,
    Plan,
    Validation,
)


def _case(first_name: str, last_name: str) -> Case | None:
    return (
        Case.objects.filter(person__first_name=first_name, person__last_name=last_name)
        .exclude(status__in=[CaseStatus.CLOSED, CaseStatus.TRANSFERRED])
        .select_related("ambito", "case_manager")
        .order_by("pk")
        .first()
    )


def _fresh(plan: Plan) -> Plan:
    return Plan.objects.select_related("case").get(pk=plan.pk)


def _package(case: Case, code: str) -> AssistancePackage | None:
    return (
        services.default_package(case, profile=case_profiles(case_ids=[case.pk]).get(case.pk))
        or AssistancePackage.objects.filter(ambito=case.ambito, code=code, status=PackageStatus.APPROVED).first()
    )


def _structure_of(case: Case, operator: Operator) -> object | None:
    member = case.members.filter(operator=operator, left_on__isnull=True).select_related("structure").first()
    return member.structure if member else None


def _goal(request: HttpRequest, plan: Plan, text: str, indicator: str, target: str, days: int) -> Plan:
    services.goal_add(
        request=request,
        plan=plan,
        version=plan.version,
        data=services.GoalData(
            text=text, indicator=indicator, target=target, due_on=timezone.localdate() + datetime.timedelta(days)
        ),
    )
    return _fresh(plan)


def _commit(request: HttpRequest, plan: Plan, text: str, structure: object | None = None, days: int = 60) -> Plan:
    services.commitment_add(
        request=request,
        plan=plan,
        version=plan.version,
        data=services.CommitmentData(
            owner=Owner.SERVICE if structure is not None else Owner.PERSON,
            structure=structure,  # type: ignore[arg-type]
            text=text,
            due_on=timezone.localdate() + datetime.timedelta(days),
        ),
    )
    return _fresh(plan)


def _intervene(request: HttpRequest, plan: Plan, service: Service, quantity: str, basis: str, months: int = 12) -> Plan:
    provider = service.providers.order_by("name").first()
    services.intervention_add(
        request=request,
        plan=plan,
        version=plan.version,
        data=services.InterventionData(
            service=service, provider=provider, quantity=Decimal(quantity), basis=basis, months=months
        ),
    )
    return _fresh(plan)


def _explain_all(request: HttpRequest, plan: Plan, reason: str) -> Plan:
    for deviation in plan.deviations.filter(reason=""):
        services.deviation_explain(request=request, plan=plan, version=plan.version, deviation=deviation, reason=reason)
        plan = _fresh(plan)
    return plan


def _ferrari(operators: dict[str, Operator], created: Counter[str]) -> None:
    case = _case("Giulia", "Ferrari")
    if case is None or case.plans.exists() or case.status != CaseStatus.ACTIVE:
        return
    manager = _request(case.case_manager)
    package = _package(case, "PA-02")
    plan = services.plan_create(
        request=manager,
        case=case,
        pact=services.PactData(PactType.GENERATIVE, subtype=PactSubtype.SOCIAL_INCLUSION, duration_months=12),
        summary="Patto gener-attivo: lavoro e rete per Giulia, con il sostegno ai figli nei compiti.",
        package=package,
    )
    plan = _fresh(plan)
    plan = _goal(manager, plan, "Trovare un lavoro stabile part-time", "Contratto firmato", "1 contratto", 240)
    plan = _goal(
        manager, plan, "Conciliare lavoro e cura dei figli", "Frequenza al doposcuola", "4 giorni a settimana", 120
    )
    plan = _goal(manager, plan, "Ampliare la rete di aiuto", "Volontariato in associazione", "2 ore a settimana", 180)
    plan = _commit(manager, plan, "Presentarsi ai colloqui di orientamento e di tirocinio, avvisando se impedita")
    plan = _commit(manager, plan, "Dedicare due ore a settimana all'emporio solidale del quartiere")
    cpi = _structure_of(case, operators["cpi"])
    plan = _commit(manager, plan, "Proporre due tirocini compatibili con gli orari della scuola", cpi)
    educator = _structure_of(case, operators["educatore"])
    if educator is not None:
        plan = _commit(manager, plan, "Sostegno nei compiti a Luca due pomeriggi a settimana", educator)
    if package is not None:
        for item in package.items.filter(is_mandatory=True).select_related("service"):
            plan = _intervene(manager, plan, item.service, str(item.quantity), item.basis)
    plan = _explain_all(manager, plan, "Importo calibrato sugli orari di cura dei figli, concordato con la famiglia.")
    plan = services.plan_submit(request=manager, plan=plan, version=plan.version)
    coordinator = _request(operators["coordinatore"])
    plan = services.plan_validate(
        request=coordinator, plan=plan, version=plan.version, note="Coerente con il pacchetto."
    )
    case.refresh_from_db()
    case_services.case_activate(request=manager, case=case, version=case.version)
    # The demo's story has the pact validated four months ago; the services date decisions today.
    today = timezone.localdate()
    validated = max(case.taken_in_charge_on, today - datetime.timedelta(days=130))
    Plan.objects.filter(pk=plan.pk).update(validated_on=validated, submitted_on=validated)
    Validation.objects.filter(plan=plan).update(decided_on=validated)
    plan = _fresh(plan)
    first = plan.interventions.order_by("pk").first()
    if first is not None:
        services.intervention_start(
            request=manager,
            plan=plan,
            version=plan.version,
            intervention=first,
            started_on=min(today, validated + datetime.timedelta(days=5)),
        )
        plan = _fresh(plan)
    goals = list(plan.goals.order_by("pk"))
    commitments = list(plan.commitments.order_by("pk"))
    services.checkin_record(
        request=manager,
        plan=plan,
        version=plan.version,
        data=services.CheckInData(
            held_on=max(validated, today - datetime.timedelta(days=100)),
            outcome="Tirocinio avviato in cooperativa; il doposcuola funziona, la rete di aiuto è ancora da costruire.",
            goal_statuses={goals[0].pk: GoalStatus.PARTLY, goals[1].pk: GoalStatus.ACHIEVED},
            commitments_done={commitments[0].pk: validated + datetime.timedelta(days=20)},
            realised_percent=60,
            percent_reason="Il tirocinio conta per più di metà del primo obiettivo: stimato con l'équipe.",
        ),
    )
    created["plans"] += 1
    created["checkins"] += 1


def _galli(operators: dict[str, Operator], created: Counter[str]) -> None:
    case = _case("Stefano", "Galli")
    if case is None or case.plans.exists() or case.status not in {CaseStatus.PROJECT_DRAFTED, CaseStatus.ASSESSING}:
        return
    manager = _request(case.case_manager)
    package = AssistancePackage.objects.filter(ambito=case.ambito, code="PA-05", status=PackageStatus.APPROVED).first()
    plan = _fresh(
        services.plan_create(
            request=manager,
            case=case,
            pact=services.PactData(PactType.INCLUSION, duration_months=12),
            summary="Percorso terapeutico con il SerD e sostegno per gli arretrati d'affitto; il lavoro più avanti.",
            package=package,
        )
    )
    plan = _goal(manager, plan, "Mantenere la casa", "Arretrati saldati", "0 mensilità arretrate", 120)
    plan = _goal(manager, plan, "Partecipare a un progetto utile alla collettività", "Ore svolte", "8 ore al mese", 200)
    plan = _commit(manager, plan, "Concordare con il proprietario un piano di rientro")
    social = _structure_of(case, case.case_manager)
    plan = _commit(manager, plan, "Istruire la domanda di contributo affitto entro un mese", social, 30)
    by_code = {s.code: s for s in Service.objects.filter(ambito=case.ambito)}
    for code, quantity, basis in (
        ("SERD", "4", QuantityBasis.PER_MONTH),
        ("PSI", "2", QuantityBasis.PER_MONTH),
        ("PUC", "6", QuantityBasis.TOTAL),
        ("AFF", "1", QuantityBasis.TOTAL),
    ):
        if code in by_code:
            plan = _intervene(manager, plan, by_code[code], quantity, basis)
    plan = _explain_all(
        manager,
        plan,
        "Due mensilità d'affitto arretrate: senza il contributo il percorso terapeutico rischia lo sfratto.",
    )
    services.plan_submit(request=manager, plan=plan, version=plan.version)
    created["plans"] += 1


def _diallo(created: Counter[str]) -> None:
    case = (
        Case.objects.filter(household__isnull=False, person__last_name="Diallo", status=CaseStatus.ASSESSING)
        .select_related("ambito", "case_manager")
        .first()
    )
    if case is None or case.plans.exists():
        return
    manager = _request(case.case_manager)
    plan = _fresh(
        services.plan_create(
            request=manager,
            case=case,
            pact=services.PactData(PactType.INCLUSION, duration_months=6),
            summary="Primo patto del nucleo: lingua, documenti e reddito.",
        )
    )
    plan = _goal(manager, plan, "Ottenere il codice fiscale per la moglie", "Codice fiscale rilasciato", "", 60)
    plan = _commit(manager, plan, "Portare all'Agenzia delle Entrate i documenti richiesti")
    med = Service.objects.filter(ambito=case.ambito, code="MED").first()
    if med is not None:
        _intervene(manager, plan, med, "6", QuantityBasis.TOTAL)
    created["plans"] += 1


@transaction.atomic
def demo_plans_load(*, operators: dict[str, Operator]) -> Counter[str]:
    """Plans for the demo cases past assessment; a no-op for cases that already have one."""
    created: Counter[str] = Counter()
    if not Case.objects.exists():
        return created
    _ferrari(operators, created)
    _galli(operators, created)
    _diallo(created)
    return created
