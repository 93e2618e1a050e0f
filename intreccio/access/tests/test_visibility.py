"""Who sees intakes and the persons they are about; every read leaves an access record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from intreccio.access.models import Intake, IntakeStatus
from intreccio.access.tests.conftest import client_for, make_intake
from intreccio.accounts.models import Operator, Role, Structure, Team
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit.models import AccessEvent
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory


def _detail(intake: Intake) -> str:
    return reverse("access:intake_detail", args=[intake.pk])


def test_the_receiving_organisation_sees_its_intake(alice: Operator, intake: Intake, front_desk: Structure) -> None:
    colleague = operator_with_role(Role.EDUCATOR, structure=front_desk, username="erin")
    assert client_for(alice).get(_detail(intake)).status_code == 200
    assert client_for(colleague).get(_detail(intake)).status_code == 200


@pytest.mark.parametrize("who", ["bob", "carol", "dora"])
def test_others_get_404_for_an_open_intake(who: str, request: pytest.FixtureRequest, intake: Intake) -> None:
    operator: Operator = request.getfixturevalue(who)
    assert client_for(operator).get(_detail(intake)).status_code == 404


def test_roles_outside_the_registry_get_404(front_desk: Structure, intake: Intake) -> None:
    for role in (Role.AUDITOR, Role.ADMINISTRATOR, Role.PROGRAMME_OFFICER):
        operator = operator_with_role(role, structure=front_desk, username=f"x_{role}")
        assert client_for(operator).get(_detail(intake)).status_code == 404, role


def test_the_coordination_group_sees_forwarded_intakes_only(
    alice: Operator, dora: Operator, bob: Operator, carol: Operator, front_desk: Structure, group: Team, maria: Person
) -> None:
    forwarded = make_intake(front_desk, alice, person=maria, status=IntakeStatus.FORWARDED, forwarded_to=group)
    urgent = make_intake(
        front_desk, alice, status=IntakeStatus.URGENT, forwarded_to=group, urgency="urgent", outcome_note="x"
    )
    still_open = make_intake(front_desk, alice)
    dora_client = client_for(dora)
    assert dora_client.get(_detail(forwarded)).status_code == 200
    assert dora_client.get(_detail(urgent)).status_code == 200
    assert dora_client.get(_detail(still_open)).status_code == 404
    # Seeing is not handling: the group cannot triage the front door's intake.
    assert dora_client.get(reverse("access:pre_assessment", args=[forwarded.pk])).status_code == 404
    assert dora_client.post(reverse("access:intake_urgent", args=[forwarded.pk])).status_code == 404
    for other in (bob, carol):
        assert client_for(other).get(_detail(forwarded)).status_code == 404


def test_a_former_group_member_loses_sight(dora: Operator, alice: Operator, front_desk: Structure, group: Team) -> None:
    forwarded = make_intake(front_desk, alice, status=IntakeStatus.FORWARDED, forwarded_to=group)
    group.memberships.all().delete()
    assert client_for(dora).get(_detail(forwarded)).status_code == 404


def test_intakes_make_their_person_visible(
    alice: Operator, dora: Operator, bob: Operator, front_desk: Structure, group: Team, ambito: object
) -> None:
    """A person registered by another organisation becomes visible to the one that received their
    intake, and to the coordination group once forwarded (the relation registered at start-up)."""
    from intreccio.accounts.tests.factories import OrganisationFactory
    from intreccio.people.permissions import visible_persons_q

    elsewhere = OrganisationFactory.create(name="Comune di Soresina", ambito=ambito)
    lucia = PersonFactory.create(first_name="Lucia", last_name="Verdi", registered_by=elsewhere)
    intake = make_intake(front_desk, alice, person=lucia)

    class Req:
        def __init__(self, operator: Operator) -> None:
            self.membership = operator.current_memberships().select_related("structure").get()

    def sees(operator: Operator) -> bool:
        return Person.objects.filter(visible_persons_q(Req(operator)), pk=lucia.pk).exists()  # type: ignore[arg-type]

    assert sees(alice)
    assert not sees(dora)
    assert not sees(bob)
    intake.status = IntakeStatus.FORWARDED
    intake.forwarded_to = group
    intake.outcome_on = intake.received_on
    intake.save()
    assert sees(dora)
    assert not sees(bob)


def test_every_read_of_an_intake_is_recorded(alice: Operator, intake: Intake) -> None:
    client = client_for(alice)
    for _ in range(2):
        client.get(_detail(intake))
    rows = AccessEvent.objects.filter(object_type="access.intake", object_id=str(intake.pk))
    assert rows.count() == 2
    assert set(rows.values_list("actor_username", flat=True)) == {"alice"}
    assert rows.first() is not None and rows.first().role == Role.SEGRETARIATO  # type: ignore[union-attr]


def test_a_refused_read_records_nothing(bob: Operator, intake: Intake) -> None:
    client_for(bob).get(_detail(intake))
    assert not AccessEvent.objects.filter(object_type="access.intake", object_id=str(intake.pk)).exists()


def test_list_queue_and_person_fragment_are_recorded(
    alice: Operator, dora: Operator, intake: Intake, maria: Person
) -> None:
    client_for(alice).get(reverse("access:intake_list"))
    client_for(alice).get(reverse("access:person_intakes", args=[maria.pk]))
    client_for(dora).get(reverse("access:coordination_queue"))
    assert AccessEvent.objects.filter(object_type="access.intake", object_id="list", actor_username="alice").exists()
    assert AccessEvent.objects.filter(
        object_type="people.person", object_id=str(maria.pk), section="intakes", actor_username="alice"
    ).exists()
    assert AccessEvent.objects.filter(object_id="coordination_queue", actor_username="dora").exists()


def test_the_list_shows_only_visible_intakes(
    alice: Operator, bob: Operator, carol: Operator, dora: Operator, intake: Intake, front_desk: Structure, group: Team
) -> None:
    forwarded = make_intake(
        front_desk,
        alice,
        unidentified_description="uomo sui 60 anni",
        status=IntakeStatus.FORWARDED,
        forwarded_to=group,
    )
    alice_page = client_for(alice).get(reverse("access:intake_list")).content.decode()
    assert "Rossi Maria" in alice_page and "uomo sui 60 anni" in alice_page
    for other in (bob, carol):
        page = client_for(other).get(reverse("access:intake_list")).content.decode()
        assert "Rossi Maria" not in page and "uomo sui 60" not in page
    dora_page = client_for(dora).get(reverse("access:intake_list")).content.decode()
    assert "uomo sui 60 anni" in dora_page and "Rossi Maria" not in dora_page
    assert forwarded.pk


def test_person_fragment_404_for_a_person_not_visible(carol: Operator, bob: Operator, maria: Person) -> None:
    assert client_for(carol).get(reverse("access:person_intakes", args=[maria.pk])).status_code == 404
    assert client_for(bob).get(reverse("access:person_intakes", args=[maria.pk])).status_code == 404


def test_person_fragment_lists_only_visible_intakes(
    alice: Operator, dora: Operator, maria: Person, front_desk: Structure, group: Team
) -> None:
    open_one = make_intake(front_desk, alice, person=maria, prevalent_need="housing")
    forwarded = make_intake(front_desk, alice, person=maria, status=IntakeStatus.FORWARDED, forwarded_to=group)
    alice_html = client_for(alice).get(reverse("access:person_intakes", args=[maria.pk])).content.decode()
    assert reverse("access:intake_detail", args=[open_one.pk]) in alice_html
    assert reverse("access:intake_detail", args=[forwarded.pk]) in alice_html
    dora_html = client_for(dora).get(reverse("access:person_intakes", args=[maria.pk])).content.decode()
    assert reverse("access:intake_detail", args=[forwarded.pk]) in dora_html
    assert reverse("access:intake_detail", args=[open_one.pk]) not in dora_html
    assert "<html" not in dora_html
