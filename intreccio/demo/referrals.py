"""Demo referrals of the Cremonese, sent and answered through the referral services (R9).

On the case of Ioana Popescu (managed by the demo case manager, Luca Bassi, of the Azienda
Sociale):

- a referral to the work-placement service of the cooperative La Trama (a third-sector body),
  on Ioana's consents to share with the network and with La Trama, accepted by the cooperative's
  operator (Chiara Fontana): she reads the minimum dataset under "Referrals";
- a referral to the Comune's professional social service that goes without consent, on an
  override for the vital interest of her mother, who cannot look after herself: the basis, the
  reason, who decided and when are stored on the referral. It waits for the social service's
  answer (Marta Bianchi reads it).

Rows are found by natural keys (the case and the receiving service), so running the loader again
changes nothing. The loader needs the demo network, people and cases; without them it does nothing.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory

from intreccio.accounts.models import Membership, Operator, Structure
from intreccio.cases.models import Case, Section
from intreccio.people.models import Consent, ConsentScope
from intreccio.people.services.households import consent_record
from intreccio.referrals.models import OverrideBasis, Referral
from intreccio.referrals.services import referral_accept, referral_send

COOPERATIVE = "Cooperativa sociale La Trama"
WORK_PLACEMENT = "Servizio inserimenti lavorativi"
COMUNE = "Comune di Cremona"
SOCIAL_SERVICE = "Servizio sociale professionale"

PLACEMENT_REASON = (
    "Ioana assiste la madre non autosufficiente e chiede un lavoro part-time compatibile con la cura. "
    "Chiediamo un colloquio per un tirocinio di inclusione, mattine dal lunedì al venerdì."
)
PLACEMENT_ANSWER = "Colloquio fissato in cooperativa per martedì alle 10; la contatterà Chiara Fontana."
URGENT_REASON = (
    "La madre, Elena Popescu, non autosufficiente, è sola in casa da ieri sera: serve una visita "
    "domiciliare oggi per organizzare l'assistenza."
)
OVERRIDE_REASON = (
    "Ioana è stata ricoverata d'urgenza e non può firmare il consenso; la madre non autosufficiente "
    "non può badare a sé stessa e non può prestare consenso."
)


def _request(operator: Operator) -> HttpRequest:
    """What the services read from a request: the operator and the role they act in (the first)."""
    request = RequestFactory(SERVER_NAME="localhost").get("/")
    request.user = operator
    memberships = Membership.objects.current().filter(operator=operator).select_related("structure__organisation")
    request.membership = memberships.order_by("pk").first()  # type: ignore[attr-defined]
    request.request_id = "demo"  # type: ignore[attr-defined]
    return request


def _structure(organisation: str, name: str) -> Structure | None:
    return Structure.objects.filter(organisation__name=organisation, name=name).select_related("organisation").first()


def _third_sector_consent(case: Case, cooperative: Structure, actor: Operator, created: Counter[str]) -> Consent:
    person = case.person
    assert person is not None
    existing = Consent.objects.filter(
        person=person, scope=ConsentScope.THIRD_SECTOR, recipient=cooperative.organisation, withdrawn_on__isnull=True
    ).first()
    if existing is not None:
        return existing
    created["consents"] += 1
    return consent_record(
        actor=actor,
        person=person,
        scope=ConsentScope.THIRD_SECTOR,
        recipient=cooperative.organisation,
        given_on=case.taken_in_charge_on,
        given_by=f"{person.first_name} {person.last_name}",
        document_reference="Modulo consenso informato v.2026 – terzo settore",
        request=_request(actor),
    )


@transaction.atomic
def demo_referrals_load(created: Counter[str]) -> None:
    """Send the demo referrals once; later runs find them and change nothing."""
    operators = {o.username: o for o in Operator.objects.filter(username__in=["casemanager", "erogatore"])}
    case = (
        Case.objects.filter(person__first_name="Ioana", person__last_name="Popescu")
        .select_related("person", "case_manager")
        .order_by("pk")
        .first()
    )
    cooperative = _structure(COOPERATIVE, WORK_PLACEMENT)
    social_service = _structure(COMUNE, SOCIAL_SERVICE)
    if len(operators) < 2 or case is None or case.person is None or cooperative is None or social_service is None:
        return
    manager = operators["casemanager"]
    if case.case_manager_id != manager.pk or not case.is_open:
        return
    sender = _request(manager)

    if not Referral.objects.filter(case=case, to_structure=cooperative).exists():
        network = Consent.objects.filter(
            person=case.person, scope=ConsentScope.NETWORK_SHARING, recipient__isnull=True, withdrawn_on__isnull=True
        ).first()
        if network is not None:
            third_sector = _third_sector_consent(case, cooperative, manager, created)
            referral = referral_send(
                request=sender,
                case=case,
                to_structure=cooperative,
                reason=PLACEMENT_REASON,
                shared_sections=[Section.COMMON],
                consents=[network, third_sector],
            )
            referral_accept(
                request=_request(operators["erogatore"]),
                referral=referral,
                version=referral.version,
                note=PLACEMENT_ANSWER,
            )
            created["referrals"] += 1

    if not Referral.objects.filter(case=case, to_structure=social_service).exists():
        referral_send(
            request=sender,
            case=case,
            to_structure=social_service,
            reason=URGENT_REASON,
            shared_sections=[Section.COMMON],
            override_basis=OverrideBasis.VITAL_INTEREST,
            override_reason=OVERRIDE_REASON,
        )
        created["referrals"] += 1
