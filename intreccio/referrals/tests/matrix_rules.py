"""Matrix rules for the referral pages (SECURITY.md R2, R9).

In the matrix world the case of intreccio/cases/tests/matrix_rules.py (managed by the case
manager, with the social worker, CPI operator, health specialist, educator and provider operator
on its team) has one referral, sent by the case manager on the person's consents to a
third-sector cooperative of the ambito where none of the world's operators works. So the team
reads the referral page from the sender side and nobody else does: the coordinator of the
coordination group gets 404. The recipients' side is covered by test_relation_matrix.py.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from intreccio.accounts.models import Organisation, OrganisationKind, Role, Structure
from intreccio.cases.tests.matrix_rules import CASE_ROLES, TEAM, _case
from intreccio.people.models import Consent, ConsentScope
from intreccio.referrals.models import Referral
from tests.matrix import Rule, World


def matrix_referral(w: World) -> Referral:
    """A referral of the world's case to a third-sector service, on the person's two consents."""
    if "referral" not in w.objects:
        case = _case(w)
        person = case.person
        assert person is not None
        cooperative = Organisation.objects.create(
            name="Cooperativa della matrice", kind=OrganisationKind.THIRD_SECTOR, ambito=w.ambito
        )
        receiving = Structure.objects.create(organisation=cooperative, name="Inserimenti lavorativi")
        given = datetime.date(2025, 3, 10)
        consents = {
            scope: Consent.objects.create(
                person=person,
                scope=scope,
                given_on=given,
                given_by="La persona",
                recorded_by=w.operators[Role.CASE_MANAGER],
            )
            for scope in (ConsentScope.NETWORK_SHARING, ConsentScope.THIRD_SECTOR)
        }
        w.objects["referral_structure"] = receiving
        w.objects["referral"] = Referral.objects.create(
            case=case,
            from_structure=w.structure,
            sent_by=w.operators[Role.CASE_MANAGER],
            sent_at=timezone.now(),
            to_structure=receiving,
            reason="Tirocinio di inclusione in cooperativa di tipo B.",
            shared_sections=["common", "work"],
            consent=consents[ConsentScope.NETWORK_SHARING],
            third_sector_consent=consents[ConsentScope.THIRD_SECTOR],
        )
    referral: Referral = w.objects["referral"]
    return referral


def _pk(w: World) -> dict[str, Any]:
    return {"pk": matrix_referral(w).pk}


RULES: dict[str, Rule] = {
    "referrals:inbox": Rule(roles=CASE_ROLES, note="the acting structure's inbox; empty for the world's operators"),
    "referrals:case_referrals": Rule(roles=TEAM, kwargs=lambda w: {"case_pk": _case(w).pk}),
    "referrals:referral_detail": Rule(roles=TEAM, kwargs=_pk, note="sender side; recipients in test_relation_matrix"),
    "referrals:referral_accept": Rule(roles=TEAM, kwargs=_pk, get=False),
    "referrals:referral_reject": Rule(roles=TEAM, kwargs=_pk, get=False),
    "referrals:referral_complete": Rule(roles=TEAM, kwargs=_pk, get=False),
    "referrals:referral_withdraw": Rule(roles=TEAM, kwargs=_pk, get=False),
}
