"""The account services: what they accept, what they refuse and with which message, what they record."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from intreccio.accounts import services
from intreccio.accounts.models import Membership, Operator, Organisation, Role, Structure, Team, TeamKind
from intreccio.accounts.tests.factories import (
    MembershipFactory,
    OperatorFactory,
    OrganisationFactory,
    StructureFactory,
    TeamFactory,
    TeamMemberFactory,
    operator_with_role,
)
from intreccio.audit.models import DomainEvent
from intreccio.territory.models import Ambito

VALID_CF = "RSSMRA80A01H501U"
VALID_PIVA = "01234567897"
TODAY = datetime.date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted by their English msgid; the Italian catalogue is the translators' work."""
    with translation.override("en"):
        yield


def last_event() -> DomainEvent:
    event = DomainEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


def refusal(call: Callable[[], Any]) -> dict[str, list[str]]:
    """Run a service that must refuse; return its messages by field, with nothing recorded."""
    before = DomainEvent.objects.count()
    with pytest.raises(ValidationError) as info:
        call()
    assert DomainEvent.objects.count() == before
    return info.value.message_dict if hasattr(info.value, "error_dict") else {"__all__": info.value.messages}


# --- organisations ----------------------------------------------------------------------------


class TestOrganisations:
    def test_create_normalises_and_records(self, alice: Operator, ambito: Ambito) -> None:
        organisation = services.organisation_create(
            actor=alice, ambito=ambito, name="  Comune di Soresina ", kind="comune", tax_code="0123 4567 897"
        )
        assert organisation.name == "Comune di Soresina"
        assert organisation.tax_code == VALID_PIVA
        assert organisation.ambito == ambito
        event = last_event()
        assert event.action == "accounts.organisation.created"
        assert event.target_id == str(organisation.pk)
        assert event.actor == alice
        assert event.payload["tax_code"] == VALID_PIVA

    @pytest.mark.parametrize(
        ("kwargs", "field", "words"),
        [
            ({"name": " "}, "name", "Enter the name"),
            ({"kind": "castle"}, "kind", "type of organisation"),
            ({"tax_code": "01234567890"}, "tax_code", "last digit"),
            ({"tax_code": "12345"}, "tax_code", "11 digits"),
            ({"tax_code": "RSSMRA80A01H501V"}, "tax_code", "16-character"),
            ({"email": "not-an-address"}, "email", "valid e-mail"),
            ({"name": "comune di cremona"}, "name", "already exists"),
        ],
    )
    def test_create_refusals(
        self, alice: Operator, organisation: Organisation, kwargs: dict[str, str], field: str, words: str
    ) -> None:
        data: dict[str, Any] = {"name": "Comune di Pizzighettone", "kind": "comune", **kwargs}
        errors = refusal(lambda: services.organisation_create(actor=alice, ambito=organisation.ambito, **data))
        assert words in errors[field][0]
        assert not Organisation.objects.filter(name="Comune di Pizzighettone").exists()

    def test_update_records_only_changes(self, alice: Operator, organisation: Organisation) -> None:
        services.organisation_update(
            actor=alice, organisation=organisation, name=organisation.name, kind="social_agency", phone="0372 1"
        )
        organisation.refresh_from_db()
        assert organisation.kind == "social_agency"
        event = last_event()
        assert event.action == "accounts.organisation.updated"
        assert event.payload == {"kind": ["comune", "social_agency"], "phone": ["", "0372 1"]}

    def test_update_without_changes_records_nothing(self, alice: Operator, organisation: Organisation) -> None:
        before = DomainEvent.objects.count()
        services.organisation_update(actor=alice, organisation=organisation, name=organisation.name, kind="comune")
        assert DomainEvent.objects.count() == before

    def test_deactivate(self, alice: Operator, ambito: Ambito) -> None:
        organisation = OrganisationFactory.create(ambito=ambito)
        services.organisation_deactivate(actor=alice, organisation=organisation)
        organisation.refresh_from_db()
        assert not organisation.is_active
        assert last_event().action == "accounts.organisation.deactivated"
        errors = refusal(lambda: services.organisation_deactivate(actor=alice, organisation=organisation))
        assert "already inactive" in errors["__all__"][0]

    def test_cannot_deactivate_own_organisation(self, alice: Operator, organisation: Organisation) -> None:
        errors = refusal(lambda: services.organisation_deactivate(actor=alice, organisation=organisation))
        assert "lock you out" in errors["__all__"][0]


# --- structures -------------------------------------------------------------------------------


class TestStructures:
    def test_create_update_deactivate(self, alice: Operator, organisation: Organisation) -> None:
        structure = services.structure_create(actor=alice, organisation=organisation, name="Segretariato sociale")
        assert last_event().action == "accounts.structure.created"
        services.structure_update(actor=alice, structure=structure, name="Segretariato", address="Via Roma 1")
        assert last_event().payload == {
            "name": ["Segretariato sociale", "Segretariato"],
            "address": ["", "Via Roma 1"],
        }
        services.structure_deactivate(actor=alice, structure=structure)
        structure.refresh_from_db()
        assert not structure.is_active
        assert last_event().action == "accounts.structure.deactivated"

    def test_a_service_can_keep_its_case_notes_to_itself(self, alice: Operator, organisation: Organisation) -> None:
        serd = services.structure_create(actor=alice, organisation=organisation, name="SerD", keeps_notes_private=True)
        assert serd.keeps_notes_private
        services.structure_update(actor=alice, structure=serd, name="SerD", keeps_notes_private=False)
        serd.refresh_from_db()
        assert not serd.keeps_notes_private
        assert last_event().payload == {"keeps_notes_private": [True, False]}

    def test_refusals(self, alice: Operator, structure: Structure) -> None:
        organisation = structure.organisation
        errors = refusal(lambda: services.structure_create(actor=alice, organisation=organisation, name=""))
        assert "Enter the name" in errors["name"][0]
        errors = refusal(
            lambda: services.structure_create(actor=alice, organisation=organisation, name=structure.name.upper())
        )
        assert "already has a structure" in errors["name"][0]
        errors = refusal(lambda: services.structure_deactivate(actor=alice, structure=structure))
        assert "lock you out" in errors["__all__"][0]

    def test_no_structure_in_inactive_organisation(self, alice: Operator, ambito: Ambito) -> None:
        organisation = OrganisationFactory.create(ambito=ambito, is_active=False)
        errors = refusal(lambda: services.structure_create(actor=alice, organisation=organisation, name="X"))
        assert "inactive" in errors["__all__"][0]


# --- operators --------------------------------------------------------------------------------


def create_operator(actor: Operator, structure: Structure, **kwargs: Any) -> Operator:
    data: dict[str, Any] = {
        "username": "bruno",
        "first_name": "Bruno",
        "last_name": "Bianchi",
        "email": "bruno@comune.cremona.it",
        "structure": structure,
        "role": Role.CASE_MANAGER,
        "valid_from": TODAY,
        **kwargs,
    }
    return services.operator_create(actor=actor, **data)


class TestOperatorCreate:
    def test_creates_operator_membership_event_and_mail_after_commit(
        self, alice: Operator, structure: Structure, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            operator = create_operator(alice, structure, fiscal_code=" rssmra 80a01 h501u ")
            assert mail.outbox == []  # nothing leaves before the commit
        assert operator.fiscal_code == VALID_CF
        assert not operator.has_usable_password()
        membership = operator.memberships.get()
        assert (membership.structure, membership.role, membership.valid_from) == (structure, "case_manager", TODAY)

        event = last_event()
        assert event.action == "accounts.operator.created"
        assert event.target_type == "accounts.operator"
        assert event.target_id == str(operator.pk)
        assert event.payload["username"] == "bruno"
        assert event.payload["membership"]["role"] == "case_manager"
        assert "password" not in str(event.payload).lower()

        assert len(callbacks) == 1
        callbacks[0]()
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["bruno@comune.cremona.it"]
        assert "bruno" in message.body
        assert "/account/password/reset/key/" in message.body

    def test_the_link_lets_the_operator_choose_a_password(
        self, alice: Operator, structure: Structure, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            operator = create_operator(alice, structure)
        link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/key/" in line)
        client = Client()
        response = client.get(link.strip())
        assert response.status_code == 302  # allauth moves the key out of the URL
        password = "a-long-new-password-2025"
        response = client.post(response["Location"], {"password1": password, "password2": password})
        assert response.status_code == 302, response.content
        operator.refresh_from_db()
        assert operator.check_password(password)

        # First sign-in: the password, then (after confirming it once more) the TOTP enrolment page.
        response = client.post(reverse("account_login"), {"login": operator.username, "password": password})
        assert response["Location"] == reverse("home")
        response = client.get(reverse("home"))
        assert response["Location"] == reverse("mfa_activate_totp")
        response = client.get(reverse("mfa_activate_totp"))
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        response = client.post(response["Location"], {"password": password})
        assert response["Location"] == reverse("mfa_activate_totp")
        response = client.get(reverse("mfa_activate_totp"))
        assert response.status_code == 200, response.get("Location")

    def test_password_kwarg_is_not_accepted(self, alice: Operator, structure: Structure) -> None:
        with pytest.raises(TypeError):
            create_operator(alice, structure, password="secret-password-123")

    @pytest.mark.parametrize(
        ("kwargs", "field", "words"),
        [
            ({"username": ""}, "username", "Choose a username"),
            ({"username": "alice"}, "username", "already taken"),
            ({"username": "ALICE"}, "username", "already taken"),
            ({"username": "bad name!"}, "username", "only letters"),
            ({"first_name": " "}, "first_name", "first name"),
            ({"email": ""}, "email", "e-mail"),
            ({"fiscal_code": "RSSMRA80A01H501V"}, "fiscal_code", "not valid"),
            ({"fiscal_code": "RSSMRA80A01H501"}, "fiscal_code", "not valid"),
            ({"fiscal_code": "ＲSSMRA80A01H501U"}, "fiscal_code", "not valid"),
            ({"fiscal_code": "RSSMRA80A01H501U\u200b"}, "fiscal_code", "not valid"),
            ({"role": "wizard"}, "role", "Choose a role"),
            ({"valid_to": TODAY - datetime.timedelta(days=1)}, "valid_to", "on or after the start date (10/03/2025)"),
        ],
    )
    def test_refusals_save_nothing(
        self, alice: Operator, structure: Structure, kwargs: dict[str, Any], field: str, words: str
    ) -> None:
        before = Operator.objects.count(), Membership.objects.count()
        errors = refusal(lambda: create_operator(alice, structure, **kwargs))
        assert words in errors[field][0], errors
        assert (Operator.objects.count(), Membership.objects.count()) == before
        assert mail.outbox == []

    def test_refuses_inactive_structure(self, alice: Operator, organisation: Organisation) -> None:
        closed = StructureFactory.create(organisation=organisation, is_active=False)
        errors = refusal(lambda: create_operator(alice, closed))
        assert "inactive" in errors["structure"][0]

    def test_refuses_a_codice_fiscale_already_used(self, alice: Operator, structure: Structure) -> None:
        OperatorFactory.create(fiscal_code=VALID_CF)
        errors = refusal(lambda: create_operator(alice, structure, fiscal_code=VALID_CF))
        assert "already has this codice fiscale" in errors["fiscal_code"][0]


class TestOperatorChanges:
    @pytest.fixture
    def bruno(self, structure: Structure) -> Operator:
        return operator_with_role(Role.SOCIAL_WORKER, structure=structure, username="bruno")

    def test_update(self, alice: Operator, bruno: Operator) -> None:
        services.operator_update(
            actor=alice, operator=bruno, first_name="Bruno", last_name="Verdi", email="b@x.it", fiscal_code=VALID_CF
        )
        bruno.refresh_from_db()
        assert (bruno.last_name, bruno.fiscal_code) == ("Verdi", VALID_CF)
        event = last_event()
        assert event.action == "accounts.operator.updated"
        assert set(event.payload) == {"first_name", "last_name", "email", "fiscal_code"}

    def test_update_refuses_a_bad_codice_fiscale(self, alice: Operator, bruno: Operator) -> None:
        errors = refusal(
            lambda: services.operator_update(
                actor=alice, operator=bruno, first_name="B", last_name="V", email="b@x.it", fiscal_code="ABC"
            )
        )
        assert "fiscal_code" in errors

    def test_deactivate_ends_sessions(self, alice: Operator, bruno: Operator) -> None:
        client = Client()
        client.force_login(bruno)
        assert client.get(reverse("home")).status_code == 200
        services.operator_deactivate(actor=alice, operator=bruno)
        bruno.refresh_from_db()
        assert not bruno.is_active
        assert last_event().action == "accounts.operator.deactivated"
        # The open session no longer authenticates: the next page is the public one.
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert response.context["user"].is_anonymous
        assert client.get(reverse("account_email"))["Location"].startswith(reverse("account_login"))

    def test_deactivate_refusals(self, alice: Operator, bruno: Operator) -> None:
        errors = refusal(lambda: services.operator_deactivate(actor=alice, operator=alice))
        assert "your own account" in errors["__all__"][0]
        services.operator_deactivate(actor=alice, operator=bruno)
        errors = refusal(lambda: services.operator_deactivate(actor=alice, operator=bruno))
        assert "already inactive" in errors["__all__"][0]

    def test_reset_mfa(self, alice: Operator, bruno: Operator) -> None:
        Authenticator.objects.create(user=bruno, type=Authenticator.Type.RECOVERY_CODES, data={})
        removed = services.operator_reset_mfa(actor=alice, operator=bruno)
        assert removed == ["recovery_codes", "totp"]
        assert not Authenticator.objects.filter(user=bruno).exists()
        event = last_event()
        assert (event.action, event.target_id) == ("accounts.operator.mfa_reset", str(bruno.pk))
        assert event.payload == {"removed": ["recovery_codes", "totp"]}
        errors = refusal(lambda: services.operator_reset_mfa(actor=alice, operator=bruno))
        assert "no second factor" in errors["__all__"][0]

    def test_after_reset_the_operator_must_enrol_again(self, alice: Operator, bruno: Operator) -> None:
        client = Client()
        client.force_login(bruno)
        services.operator_reset_mfa(actor=alice, operator=bruno)
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


# --- memberships ------------------------------------------------------------------------------


class TestMemberships:
    @pytest.fixture
    def bruno(self, structure: Structure) -> Operator:
        operator = OperatorFactory.create(username="bruno")
        MembershipFactory.create(
            operator=operator,
            structure=structure,
            role=Role.SOCIAL_WORKER,
            valid_from=TODAY,
            valid_to=TODAY + datetime.timedelta(days=30),
        )
        return operator

    def add(self, actor: Operator, operator: Operator, structure: Structure, **kwargs: Any) -> Membership:
        data: dict[str, Any] = {"role": Role.SOCIAL_WORKER, "valid_from": TODAY, **kwargs}
        return services.membership_add(actor=actor, operator=operator, structure=structure, **data)

    def test_add(self, alice: Operator, bruno: Operator, structure: Structure) -> None:
        membership = self.add(alice, bruno, structure, role=Role.CASE_MANAGER)
        event = last_event()
        assert event.action == "accounts.membership.added"
        assert event.payload["role"] == "case_manager"
        assert event.payload["valid_from"] == "2025-03-10"
        assert membership.is_current(TODAY)

    def test_add_after_the_previous_one_ends(self, alice: Operator, bruno: Operator, structure: Structure) -> None:
        self.add(alice, bruno, structure, valid_from=TODAY + datetime.timedelta(days=31))

    @pytest.mark.parametrize(
        ("kwargs", "field", "words"),
        [
            ({"valid_from": TODAY + datetime.timedelta(days=30)}, "valid_from", "from 10/03/2025 to 09/04/2025"),
            ({"valid_from": TODAY - datetime.timedelta(days=5)}, "valid_from", "must not overlap"),
            ({"valid_to": TODAY - datetime.timedelta(days=1)}, "valid_to", "on or after the start date"),
            ({"role": "wizard"}, "role", "Choose a role"),
        ],
    )
    def test_add_refusals(
        self, alice: Operator, bruno: Operator, structure: Structure, kwargs: dict[str, Any], field: str, words: str
    ) -> None:
        before = Membership.objects.count()
        errors = refusal(lambda: self.add(alice, bruno, structure, **kwargs))
        assert words in errors[field][0], errors
        assert Membership.objects.count() == before

    def test_open_ended_overlap_message(self, alice: Operator, structure: Structure) -> None:
        dora = OperatorFactory.create()
        MembershipFactory.create(operator=dora, structure=structure, role=Role.EDUCATOR, valid_from=TODAY)
        errors = refusal(
            lambda: self.add(alice, dora, structure, role=Role.EDUCATOR, valid_from=TODAY + datetime.timedelta(days=9))
        )
        assert "with no end date" in errors["valid_from"][0]

    def test_end(self, alice: Operator, bruno: Operator) -> None:
        membership = bruno.memberships.get()
        services.membership_end(actor=alice, membership=membership, valid_to=TODAY + datetime.timedelta(days=3))
        membership.refresh_from_db()
        assert membership.valid_to == TODAY + datetime.timedelta(days=3)
        event = last_event()
        assert event.action == "accounts.membership.ended"
        assert event.payload == {"valid_to": ["2025-04-09", "2025-03-13"]}

    def test_end_refusals(self, alice: Operator, bruno: Operator) -> None:
        membership = bruno.memberships.get()
        errors = refusal(
            lambda: services.membership_end(actor=alice, membership=membership, valid_to=TODAY - datetime.timedelta(1))
        )
        assert "on or after the start date (10/03/2025)" in errors["valid_to"][0]
        errors = refusal(
            lambda: services.membership_end(
                actor=alice, membership=membership, valid_to=TODAY + datetime.timedelta(days=60)
            )
        )
        assert "brought forward" in errors["valid_to"][0]
        own = alice.memberships.get()
        errors = refusal(lambda: services.membership_end(actor=alice, membership=own, valid_to=timezone.localdate()))
        assert "your own administrator membership" in errors["valid_to"][0]


# --- teams ------------------------------------------------------------------------------------


class TestTeams:
    def test_create(self, alice: Operator, ambito: Ambito) -> None:
        team = services.team_create(actor=alice, ambito=ambito, name="GCO Cremona", kind=TeamKind.COORDINATION_GROUP)
        assert team.ambito == ambito
        event = last_event()
        assert event.action == "accounts.team.created"
        assert event.payload == {"name": "GCO Cremona", "kind": "coordination_group", "ambito": ambito.pk}

    def test_create_refusals(self, alice: Operator, ambito: Ambito) -> None:
        TeamFactory.create(ambito=ambito, name="Equipe", kind=TeamKind.COORDINATION_GROUP)
        errors = refusal(lambda: services.team_create(actor=alice, ambito=ambito, name="equipe", kind="service_team"))
        assert "already has a team with this name" in errors["name"][0]
        errors = refusal(
            lambda: services.team_create(actor=alice, ambito=ambito, name="GCO 2", kind=TeamKind.COORDINATION_GROUP)
        )
        assert "already has an active coordination group (Equipe)" in errors["kind"][0]
        errors = refusal(lambda: services.team_create(actor=alice, ambito=ambito, name="", kind="service_team"))
        assert "name" in errors
        errors = refusal(lambda: services.team_create(actor=alice, ambito=ambito, name="X", kind="choir"))
        assert "kind" in errors

    def test_members(self, alice: Operator, ambito: Ambito, structure: Structure) -> None:
        team = TeamFactory.create(ambito=ambito)
        bruno = operator_with_role(Role.SOCIAL_WORKER, structure=structure)
        dora = operator_with_role(Role.EDUCATOR, structure=structure)
        member = services.team_member_add(actor=alice, team=team, operator=bruno, is_chair=True)
        assert last_event().payload == {"operator": bruno.pk, "username": bruno.username, "is_chair": True}
        errors = refusal(lambda: services.team_member_add(actor=alice, team=team, operator=dora, is_chair=True))
        assert f"{bruno} already chairs this team" in errors["is_chair"][0]
        errors = refusal(lambda: services.team_member_add(actor=alice, team=team, operator=bruno))
        assert "already a member" in errors["operator"][0]
        services.team_member_add(actor=alice, team=team, operator=dora)
        services.team_member_remove(actor=alice, member=member)
        event = last_event()
        assert event.action == "accounts.team.member_removed"
        assert event.payload["was_chair"] is True
        assert list(team.members.all()) == [dora]

    def test_member_must_work_in_the_ambito(self, alice: Operator, ambito: Ambito, carol: Operator) -> None:
        team = TeamFactory.create(ambito=ambito)
        errors = refusal(lambda: services.team_member_add(actor=alice, team=team, operator=carol))
        assert "working in this ambito" in errors["operator"][0]

    def test_no_members_for_inactive_team_or_operator(
        self, alice: Operator, ambito: Ambito, structure: Structure
    ) -> None:
        bruno = operator_with_role(Role.SOCIAL_WORKER, structure=structure, is_active=False)
        team = TeamFactory.create(ambito=ambito)
        errors = refusal(lambda: services.team_member_add(actor=alice, team=team, operator=bruno))
        assert "inactive" in errors["operator"][0]
        closed = TeamFactory.create(ambito=ambito, is_active=False)
        errors = refusal(lambda: services.team_member_add(actor=alice, team=closed, operator=alice))
        assert "inactive" in errors["__all__"][0]

    def test_team_member_remove_keeps_others(self, alice: Operator, ambito: Ambito) -> None:
        member = TeamMemberFactory.create(team=TeamFactory.create(ambito=ambito))
        other = TeamMemberFactory.create(team=member.team)
        services.team_member_remove(actor=alice, member=member)
        assert list(Team.objects.get(pk=member.team_id).memberships.all()) == [other]
