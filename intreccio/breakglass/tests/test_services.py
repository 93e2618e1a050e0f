"""Break-the-glass services (R8, R14): each branch of eligibility, re-authentication, end, review, e-mail."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.reauth import FAILED_ACTION
from intreccio.accounts.tests.factories import TEST_PASSWORD
from intreccio.audit.models import DomainEvent
from intreccio.breakglass import permissions
from intreccio.breakglass.models import BreakGlassGrant, ReasonCode, ReviewOutcome
from intreccio.breakglass.services import (
    breakglass_grant_check,
    breakglass_grant_end,
    breakglass_grant_request,
    breakglass_grant_review,
    not_found_message,
)
from intreccio.breakglass.tests.conftest import (
    CF_GIULIA,
    CF_OTHER_AMBITO,
    CF_VIOLENCE,
    REASON,
    Net,
    grant_for,
    totp_code,
)
from intreccio.cases.models import CaseStatus, Section
from intreccio.cases.permissions import ROLE_SECTIONS, sections_for
from intreccio.people.models import NoFiscalCodeReason, Person
from intreccio.people.permissions import visible_persons_q

pytestmark = pytest.mark.django_db


def _ask(net: Net, operator: Operator, identifier: str | None, **overrides: Any) -> BreakGlassGrant:
    values: dict[str, Any] = {
        "identifier": identifier,
        "reason_code": ReasonCode.IMMINENT_RISK,
        "reason_text": REASON,
        "hours": 2,
        "password": TEST_PASSWORD,
        "code": totp_code(operator),
    }
    values.update(overrides)
    values["identifier"] = identifier or ""
    return breakglass_grant_request(request=net.request(operator), **values)


def _refusal(net: Net, operator: Operator, identifier: str | None, **overrides: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        _ask(net, operator, identifier, **overrides)
    assert not BreakGlassGrant.objects.exists()
    error = refused.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _tomorrow_at_eight() -> datetime.datetime:
    """A fixed moment after the memberships of the test network began (they start today)."""
    now = datetime.datetime.now(tz=datetime.UTC)
    return now.replace(hour=8, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)


# --- eligibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(permissions.BREAK_GLASS_ROLES))
def test_every_eligible_role_may_break_the_glass(net: Net, role: str) -> None:
    operators: dict[str, Operator | None] = {
        Role.SOCIAL_WORKER: net.dario,
        Role.CASE_MANAGER: None,
        Role.CPI_OPERATOR: net.bob,
        Role.HEALTH_SPECIALIST: net.sara,
        Role.EDUCATOR: net.elena,
    }
    operator = operators[role]
    if operator is None:
        from intreccio.breakglass.tests.conftest import _operator

        operator = _operator("cm", net.social, Role.CASE_MANAGER)
    grant = _ask(net, operator, net.case.number)
    assert grant.role == role
    assert grant.case == net.case


@pytest.mark.parametrize("username", ["pia", "carla", "aldo"])
def test_other_roles_are_refused(net: Net, username: str) -> None:
    operator = getattr(net, username)
    with pytest.raises(ValidationError) as refused:
        _ask(net, operator, net.case.number)
    assert "not available in the role you are acting in" in refused.value.messages[0]
    assert not BreakGlassGrant.objects.exists()


def test_violence_records_are_refused_with_the_message_of_a_case_that_does_not_exist(net: Net) -> None:
    nothing = _refusal(net, net.bob, "CR-2099-999999")
    assert nothing == {"identifier": [not_found_message()]}
    # Prevalent need violence, by number and by codice fiscale.
    assert _refusal(net, net.bob, net.violence_case.number) == nothing
    assert _refusal(net, net.bob, CF_VIOLENCE) == nothing
    # A person in the violence target group, whatever the case's need.
    assert _refusal(net, net.bob, net.violence_person_case.number) == nothing
    # A person registered under a protection pseudonym.
    Person.objects.filter(pk=net.giulia.pk).update(
        fiscal_code=None, no_fiscal_code_reason=NoFiscalCodeReason.PROTECTED_PSEUDONYM
    )
    assert _refusal(net, net.bob, net.case.number) == nothing
    # A codice fiscale nobody has.
    assert _refusal(net, net.bob, "ZZZZZZ80A01H501Z") == nothing


def test_household_case_with_a_violence_member_is_refused(net: Net) -> None:
    from intreccio.people.models import HouseholdMember, PersonTargetGroup, Relationship, TargetGroup
    from intreccio.people.tests.factories import HouseholdFactory

    household = HouseholdFactory.create(registered_by=net.social.organisation)
    HouseholdMember.objects.create(
        household=household, person=net.giulia, relationship=Relationship.values[0], date_in=datetime.date(2020, 1, 1)
    )
    net.case.household = household
    net.case.save(update_fields=["household"])
    assert not permissions.is_sealed(net.case)
    PersonTargetGroup.objects.create(person=net.giulia, group=TargetGroup.VIOLENCE)
    assert permissions.is_sealed(net.case)
    assert _refusal(net, net.bob, net.case.number) == {"identifier": [not_found_message()]}


def test_a_case_of_another_ambito_is_refused_with_the_same_message(net: Net) -> None:
    assert _refusal(net, net.bob, net.other_ambito_case.number) == {"identifier": [not_found_message()]}
    assert _refusal(net, net.bob, CF_OTHER_AMBITO) == {"identifier": [not_found_message()]}


def test_nothing_to_break_when_the_operator_already_sees_the_case(net: Net) -> None:
    # Alice is on the team; Gianni sits in the coordination group of the ambito.
    for operator in (net.alice, net.gianni):
        errors = _refusal(net, operator, net.case.number)
        assert "there is nothing to break" in errors["identifier"][0]


def test_the_case_is_named_by_number_or_codice_fiscale(net: Net) -> None:
    checked = breakglass_grant_check(
        request=net.request(net.bob),
        identifier=" cr-2025-000001 ",
        reason_code="imminent_risk",
        reason_text=REASON,
        hours=1,
    )
    assert checked.case == net.case
    checked = breakglass_grant_check(
        request=net.request(net.bob),
        identifier=CF_GIULIA.lower().replace("80", "80 "),
        reason_code="imminent_risk",
        reason_text=REASON,
        hours=1,
    )
    assert checked.case == net.case


def test_by_codice_fiscale_an_open_case_comes_before_a_closed_one(net: Net) -> None:
    from intreccio.breakglass.tests.conftest import make_case

    closed = make_case(
        ambito=net.ambito,
        number="CR-2024-000009",
        person=net.giulia,
        need="work",
        manager=net.alice,
        structure=net.social,
    )
    closed.status = CaseStatus.CLOSED
    closed.closed_on = closed.taken_in_charge_on
    closed.closure_outcome = "achieved"
    closed.taken_in_charge_on = closed.taken_in_charge_on + datetime.timedelta(days=1)
    closed.closed_on = closed.taken_in_charge_on
    closed.save()
    checked = breakglass_grant_check(
        request=net.request(net.bob), identifier=CF_GIULIA, reason_code="imminent_risk", reason_text=REASON, hours=1
    )
    assert checked.case == net.case


def test_reason_text_needs_twenty_characters_after_trimming(net: Net) -> None:
    errors = _refusal(net, net.bob, net.case.number, reason_text="   Urgente, chiama!     ")
    assert errors == {
        "reason_text": [
            "Describe the emergency in at least 20 characters (you wrote 16): "
            "the coordination group reads it when reviewing the access."
        ]
    }
    # Exactly twenty is enough.
    grant = _ask(net, net.bob, net.case.number, reason_text="  " + "x" * 20 + "  ")
    assert grant.reason_text == "x" * 20


def test_the_reason_is_sealed_and_the_database_still_refuses_none_at_all(net: Net) -> None:
    # R12: the column holds ciphertext, whose length says nothing of the reason's, so the database
    # cannot check the 20 characters (the service does, above); it still refuses an empty reason.
    grant = grant_for(net.bob, net.case)
    rows = BreakGlassGrant.objects.annotate(raw=Cast("reason_text", output_field=TextField()))
    raw = rows.values_list("raw", flat=True).get(pk=grant.pk)
    assert raw.startswith("enc1:") and REASON not in raw
    assert BreakGlassGrant.objects.get(pk=grant.pk).reason_text == REASON
    with pytest.raises(IntegrityError), transaction.atomic():
        BreakGlassGrant.objects.filter(pk=grant.pk).update(reason_text="")


def test_reason_code_and_duration_are_checked(net: Net, settings: Any) -> None:
    errors = _refusal(net, net.bob, net.case.number, reason_code="curiosity", hours=5)
    assert errors["reason_code"] == ["Choose the reason for the emergency access."]
    assert errors["hours"] == ["Choose a duration of at most 4 hours."]
    settings.BREAK_GLASS_MAX_HOURS = 1
    assert permissions.duration_choices() == [1]
    assert _refusal(net, net.bob, net.case.number, hours=2)["hours"] == ["Choose a duration of at most 1 hours."]


def test_the_grant_lasts_the_hours_chosen(net: Net) -> None:
    start = _tomorrow_at_eight()
    with time_machine.travel(start, tick=False):
        grant = _ask(net, net.bob, net.case.number, hours=4)
    assert grant.granted_at == start
    assert grant.expires_at - grant.granted_at == datetime.timedelta(hours=4)


def test_a_second_request_while_one_is_in_force_is_refused(net: Net) -> None:
    _ask(net, net.bob, net.case.number)
    with pytest.raises(ValidationError) as refused:
        _ask(net, net.bob, net.case.number, code=totp_code(net.bob, 1))
    assert "You already have emergency access to case CR-2025-000001 until" in refused.value.messages[0]
    assert BreakGlassGrant.objects.count() == 1


# --- re-authentication --------------------------------------------------------------------------------


def test_wrong_password_grants_nothing_and_counts_a_failure(net: Net) -> None:
    errors = _refusal(net, net.bob, net.case.number, password="not-the-password")
    assert "The password or the authenticator code is not correct" in errors["__all__"][0]
    assert AccessAttempt.objects.filter(username="bob").exists()
    assert DomainEvent.objects.filter(action=FAILED_ACTION, actor=net.bob).count() == 1


def test_wrong_or_missing_code_grants_nothing(net: Net) -> None:
    good = {totp_code(net.bob, step) for step in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222") if c not in good)
    _refusal(net, net.bob, net.case.number, code=wrong)
    _refusal(net, net.bob, net.case.number, code="")
    assert DomainEvent.objects.filter(action=FAILED_ACTION, actor=net.bob).count() == 2


def test_an_ineligible_request_does_not_consume_a_re_authentication(net: Net) -> None:
    _refusal(net, net.bob, net.violence_case.number, password="not-the-password")
    assert not AccessAttempt.objects.filter(username="bob").exists()
    assert not DomainEvent.objects.filter(action=FAILED_ACTION).exists()


# --- effect -------------------------------------------------------------------------------------------


def test_an_active_grant_opens_the_role_sections_minus_violence(net: Net) -> None:
    request = net.request(net.dario)
    assert sections_for(request, net.case) == frozenset()
    _ask(net, net.dario, net.case.number)
    opened = sections_for(net.request(net.dario), net.case)
    assert opened == ROLE_SECTIONS[Role.SOCIAL_WORKER] - {Section.VIOLENCE}
    assert Section.VIOLENCE not in opened
    # Only that case, only for that operator.
    assert sections_for(net.request(net.dario), net.violence_case) == frozenset()
    assert sections_for(net.request(net.bob), net.case) == frozenset()


def test_a_grant_never_opens_a_case_that_became_a_violence_record(net: Net) -> None:
    from intreccio.people.models import PersonTargetGroup, TargetGroup

    # Bob works for the CPI, which did not register Giulia: only the grant shows her to him.
    _ask(net, net.bob, net.case.number)
    assert Person.objects.filter(visible_persons_q(net.request(net.bob)), pk=net.giulia.pk).exists()
    PersonTargetGroup.objects.create(person=net.giulia, group=TargetGroup.VIOLENCE)
    assert sections_for(net.request(net.bob), net.case) == frozenset()
    assert not Person.objects.filter(visible_persons_q(net.request(net.bob)), pk=net.giulia.pk).exists()


def test_the_person_is_visible_only_while_the_grant_is_active(net: Net) -> None:
    def sees() -> bool:
        return Person.objects.filter(visible_persons_q(net.request(net.bob)), pk=net.giulia.pk).exists()

    assert not sees()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _ask(net, net.bob, net.case.number, hours=1)
        assert sees()
        traveller.shift(datetime.timedelta(minutes=61))
        assert not sees()


def test_a_grant_applies_only_in_the_role_it_was_asked_in(net: Net) -> None:
    from intreccio.accounts.models import Membership

    _ask(net, net.bob, net.case.number)
    Membership.objects.create(operator=net.bob, structure=net.social, role=Role.EDUCATOR)
    request = net.request(net.bob)
    request.membership = Membership.objects.get(operator=net.bob, role=Role.EDUCATOR)  # type: ignore[attr-defined]
    assert sections_for(request, net.case) == frozenset()


# --- the coordination group is told --------------------------------------------------------------------


def test_the_coordination_group_is_emailed_on_commit_without_personal_details(
    net: Net,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        grant = _ask(net, net.bob, CF_GIULIA, reason_code=ReasonCode.CONTINUITY_OF_CARE, hours=1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["carla@example.org", "gianni@example.org"]
    body = message.body
    assert "CR-2025-000001" in message.subject
    assert "Bob Bianchi" in body
    assert "Employment-centre (CPI) operator" in body
    assert "Urgent continuity of care while the team cannot be reached" in body
    assert timezone.localtime(grant.expires_at).strftime("%d/%m/%Y %H:%M") in body
    assert f"/emergenza/revisione/{grant.pk}/" in body
    # No written reason, no name or codice fiscale of the person.
    for secret in (REASON, "Giulia", "Ferrari", CF_GIULIA):
        assert secret not in body
        assert secret not in message.subject


def test_no_email_when_the_request_is_refused(net: Net, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _refusal(net, net.bob, net.case.number, password="not-the-password")
    assert mail.outbox == []


def test_the_event_carries_codes_not_words(net: Net) -> None:
    grant = _ask(net, net.bob, net.case.number)
    event = DomainEvent.objects.get(action="breakglass.grant.created")
    assert event.actor_id == net.bob.pk
    assert event.target_id == str(grant.pk)
    assert event.payload["case"] == net.case.pk
    assert event.payload["reason_code"] == "imminent_risk"
    assert REASON not in str(event.payload)


# --- end early, expiry -------------------------------------------------------------------------------


def test_end_early(net: Net) -> None:
    grant = _ask(net, net.bob, net.case.number)
    breakglass_grant_end(request=net.request(net.bob), grant=grant)
    grant.refresh_from_db()
    assert grant.ended_at is not None
    assert not grant.is_active()
    assert sections_for(net.request(net.bob), net.case) == frozenset()
    assert DomainEvent.objects.filter(action="breakglass.grant.ended", target_id=str(grant.pk)).exists()
    with pytest.raises(ValidationError, match="already ended"):
        breakglass_grant_end(request=net.request(net.bob), grant=grant)


def test_only_the_operator_ends_their_grant(net: Net) -> None:
    grant = _ask(net, net.bob, net.case.number)
    with pytest.raises(PermissionDenied):
        breakglass_grant_end(request=net.request(net.carla), grant=grant)


def test_an_expired_grant_cannot_be_used_or_extended(net: Net) -> None:
    start = _tomorrow_at_eight()
    expiry = timezone.localtime(start + datetime.timedelta(hours=2)).strftime("%H:%M")  # 10:00 or 9:00 in Rome
    with time_machine.travel(start, tick=False):
        grant = _ask(net, net.bob, net.case.number, hours=2)
    with time_machine.travel(start + datetime.timedelta(hours=2, minutes=1), tick=False):
        assert sections_for(net.request(net.bob), net.case) == frozenset()
        with pytest.raises(ValidationError) as refused:
            breakglass_grant_end(request=net.request(net.bob), grant=grant)
        assert refused.value.messages == [
            f"This emergency access expired at {expiry} and cannot be used or extended. "
            "If the emergency goes on, make a new request."
        ]
        grant.refresh_from_db()
        assert grant.ended_at is None
        assert grant.expires_at == start + datetime.timedelta(hours=2)
        # A new request, with a new reason and a new re-authentication, is a new grant.
        again = _ask(net, net.bob, net.case.number, hours=1)
    assert again.pk != grant.pk
    assert BreakGlassGrant.objects.count() == 2


# --- review -------------------------------------------------------------------------------------------


def test_review_by_the_coordination_group(net: Net) -> None:
    grant = grant_for(net.bob, net.case)
    breakglass_grant_review(request=net.request(net.carla), grant=grant, outcome=ReviewOutcome.JUSTIFIED, note="")
    grant.refresh_from_db()
    assert grant.outcome == ReviewOutcome.JUSTIFIED
    assert grant.reviewed_by == net.carla
    assert grant.reviewed_at is not None
    event = DomainEvent.objects.get(action="breakglass.grant.reviewed")
    assert event.payload == {"case": net.case.pk, "outcome": "justified"}
    with pytest.raises(ValidationError, match="already reviewed"):
        breakglass_grant_review(
            request=net.request(net.gianni), grant=grant, outcome=ReviewOutcome.NOT_JUSTIFIED, note="x"
        )


def test_not_justified_needs_a_note(net: Net) -> None:
    grant = grant_for(net.bob, net.case)
    with pytest.raises(ValidationError) as refused:
        breakglass_grant_review(
            request=net.request(net.carla), grant=grant, outcome=ReviewOutcome.NOT_JUSTIFIED, note=" "
        )
    assert "note" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        breakglass_grant_review(request=net.request(net.carla), grant=grant, outcome="maybe", note="")
    assert "outcome" in refused.value.message_dict
    breakglass_grant_review(
        request=net.request(net.carla),
        grant=grant,
        outcome=ReviewOutcome.NOT_JUSTIFIED,
        note="Il team era raggiungibile.",
    )


@pytest.mark.parametrize("username", ["bob", "dario", "alice", "aldo", "marco"])
def test_only_the_coordination_group_of_the_ambito_reviews(net: Net, username: str) -> None:
    grant = grant_for(net.bob, net.case)
    with pytest.raises(PermissionDenied):
        breakglass_grant_review(
            request=net.request(getattr(net, username)), grant=grant, outcome=ReviewOutcome.JUSTIFIED, note=""
        )


def test_nobody_reviews_their_own_grant(net: Net) -> None:
    # Gianni sits in the group; a grant of his (say, on a case of the ambito before he joined it).
    grant = grant_for(net.gianni, net.case)
    with pytest.raises(PermissionDenied):
        breakglass_grant_review(request=net.request(net.gianni), grant=grant, outcome=ReviewOutcome.JUSTIFIED, note="")
    with pytest.raises(IntegrityError), transaction.atomic():
        BreakGlassGrant.objects.filter(pk=grant.pk).update(
            outcome=ReviewOutcome.JUSTIFIED, reviewed_by=net.gianni, reviewed_at=timezone.now()
        )


def test_a_review_is_complete_or_absent(net: Net) -> None:
    grant = grant_for(net.bob, net.case)
    with pytest.raises(IntegrityError), transaction.atomic():
        BreakGlassGrant.objects.filter(pk=grant.pk).update(outcome=ReviewOutcome.JUSTIFIED)
