"""The administrator's pages: Alice manages her ambito; Carol's ambito is invisible to her; other roles get 404."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from intreccio.accounts.models import Membership, Operator, Organisation, Role, Structure, Team, TeamMember
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


@pytest.fixture
def carols_things(carol: Operator, other_structure: Structure) -> dict[str, Any]:
    """One of everything in Carol's ambito."""
    team = TeamFactory.create(ambito=other_structure.organisation.ambito)
    return {
        "organisation": other_structure.organisation,
        "structure": other_structure,
        "operator": carol,
        "membership": carol.memberships.get(),
        "team": team,
        "member": TeamMemberFactory.create(team=team, operator=carol),
    }


class TestScope:
    def test_lists_show_only_the_own_ambito(self, alice_client: Client, carols_things: dict[str, Any]) -> None:
        for name in ("accounts:organisation_list", "accounts:operator_list", "accounts:team_list"):
            response = alice_client.get(reverse(name), {"status": ""})
            assert response.status_code == 200
            body = response.content.decode()
            assert "Casalmaggiore" not in body, name
            assert "carol" not in body, name
            assert carols_things["team"].name not in body, name

    @pytest.mark.parametrize(
        ("name", "kwargs", "method"),
        [
            ("accounts:organisation_detail", lambda t: {"pk": t["organisation"].pk}, "get"),
            ("accounts:organisation_update", lambda t: {"pk": t["organisation"].pk}, "get"),
            ("accounts:organisation_deactivate", lambda t: {"pk": t["organisation"].pk}, "post"),
            ("accounts:structure_create", lambda t: {"organisation_pk": t["organisation"].pk}, "get"),
            ("accounts:structure_update", lambda t: {"pk": t["structure"].pk}, "get"),
            ("accounts:structure_deactivate", lambda t: {"pk": t["structure"].pk}, "post"),
            ("accounts:operator_detail", lambda t: {"pk": t["operator"].pk}, "get"),
            ("accounts:operator_update", lambda t: {"pk": t["operator"].pk}, "post"),
            ("accounts:operator_deactivate", lambda t: {"pk": t["operator"].pk}, "post"),
            ("accounts:operator_reset_mfa", lambda t: {"pk": t["operator"].pk}, "post"),
            ("accounts:membership_add", lambda t: {"operator_pk": t["operator"].pk}, "get"),
            ("accounts:membership_end", lambda t: {"pk": t["membership"].pk}, "post"),
            ("accounts:team_detail", lambda t: {"pk": t["team"].pk}, "get"),
            ("accounts:team_member_add", lambda t: {"pk": t["team"].pk}, "post"),
            ("accounts:team_member_remove", lambda t: {"pk": t["team"].pk, "member_pk": t["member"].pk}, "post"),
        ],
    )
    def test_another_ambito_is_404_and_untouched(
        self, alice_client: Client, carols_things: dict[str, Any], name: str, kwargs: Any, method: str
    ) -> None:
        before = DomainEvent.objects.count()
        response = getattr(alice_client, method)(reverse(name, kwargs=kwargs(carols_things)))
        assert response.status_code == 404
        assert DomainEvent.objects.count() == before

    def test_missing_objects_are_404_too(self, alice_client: Client) -> None:
        assert alice_client.get(reverse("accounts:organisation_detail", args=[999999])).status_code == 404
        assert alice_client.get(reverse("accounts:operator_detail", args=[999999])).status_code == 404

    @pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.ADMINISTRATOR}))
    def test_other_roles_get_404(self, role: str, structure: Structure, alice: Operator) -> None:
        client = Client()
        client.force_login(operator_with_role(role, structure=structure))
        assert client.get(reverse("accounts:operator_list")).status_code == 404
        assert client.get(reverse("accounts:operator_detail", args=[alice.pk])).status_code == 404
        assert client.post(reverse("accounts:operator_deactivate", args=[alice.pk])).status_code == 404

    def test_administrator_acting_in_another_role_gets_404(self, alice: Operator, structure: Structure) -> None:
        # The role switcher decides: an administrator acting as social worker administers nothing.
        social = MembershipFactory.create(operator=alice, structure=structure, role=Role.SOCIAL_WORKER)
        client = Client()
        client.force_login(alice)
        session = client.session
        session["intreccio_membership_id"] = social.pk
        session.save()
        assert client.get(reverse("accounts:operator_list")).status_code == 404


class TestOrganisationPages:
    def test_list_filters_and_counts(self, alice_client: Client, ambito: Ambito, structure: Structure) -> None:
        OrganisationFactory.create(ambito=ambito, name="Cooperativa Il Cerchio", kind="third_sector")
        response = alice_client.get(reverse("accounts:organisation_list"), {"kind": "third_sector"})
        assert [o.name for o in response.context["page"]] == ["Cooperativa Il Cerchio"]
        assert "Cooperativa Il Cerchio" in response.content.decode()
        response = alice_client.get(reverse("accounts:organisation_list"), {"q": "cremona"})
        page = response.context["page"]
        assert [(o.name, o.structure_count, o.operator_count) for o in page] == [("Comune di Cremona", 1, 1)]

    def test_create_then_edit(self, alice_client: Client, ambito: Ambito) -> None:
        data = {"name": "ASST Cremona", "kind": "health_trust", "tax_code": "0123 4567 897"}
        response = alice_client.post(reverse("accounts:organisation_create"), data)
        organisation = Organisation.objects.get(name="ASST Cremona")
        assert response["Location"] == reverse("accounts:organisation_detail", args=[organisation.pk])
        assert organisation.ambito == ambito
        data["phone"] = "0372 405111"
        alice_client.post(reverse("accounts:organisation_update", args=[organisation.pk]), data)
        organisation.refresh_from_db()
        assert organisation.phone == "0372 405111"

    def test_error_is_shown_on_the_field_in_italian(self, alice_client: Client) -> None:
        data = {"name": "ASST Cremona", "kind": "health_trust", "tax_code": "01234567890"}
        response = alice_client.post(reverse("accounts:organisation_create"), data)
        assert response.status_code == 200
        assert response.context["form"].has_error("tax_code")
        assert 'aria-invalid="true"' in response.content.decode()
        assert not Organisation.objects.filter(name="ASST Cremona").exists()

    def test_deactivate_is_post_only(self, alice_client: Client, ambito: Ambito) -> None:
        organisation = OrganisationFactory.create(ambito=ambito)
        url = reverse("accounts:organisation_deactivate", args=[organisation.pk])
        assert alice_client.get(url).status_code == 405
        alice_client.post(url)
        organisation.refresh_from_db()
        assert not organisation.is_active

    def test_detail_lists_structures_and_structure_pages(self, alice_client: Client, structure: Structure) -> None:
        organisation = structure.organisation
        response = alice_client.get(reverse("accounts:organisation_detail", args=[organisation.pk]))
        assert structure.name in response.content.decode()
        alice_client.post(reverse("accounts:structure_create", args=[organisation.pk]), {"name": "Segretariato"})
        new = Structure.objects.get(organisation=organisation, name="Segretariato")
        alice_client.post(reverse("accounts:structure_update", args=[new.pk]), {"name": "Segretariato sociale"})
        new.refresh_from_db()
        assert new.name == "Segretariato sociale"
        alice_client.post(reverse("accounts:structure_deactivate", args=[new.pk]))
        new.refresh_from_db()
        assert not new.is_active


class TestOperatorPages:
    def test_create_with_italian_dates_sends_the_mail(
        self, alice_client: Client, structure: Structure, django_capture_on_commit_callbacks: Any
    ) -> None:
        data = {
            "username": "bruno",
            "first_name": "Bruno",
            "last_name": "Bianchi",
            "email": "bruno@example.org",
            "fiscal_code": "",
            "structure": structure.pk,
            "role": Role.CASE_MANAGER,
            "valid_from": "01/02/2025",
            "valid_to": "31/12/2025",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(reverse("accounts:operator_create"), data)
        bruno = Operator.objects.get(username="bruno")
        assert response["Location"] == reverse("accounts:operator_detail", args=[bruno.pk])
        membership = bruno.memberships.get()
        assert (membership.valid_from, membership.valid_to) == (datetime.date(2025, 2, 1), datetime.date(2025, 12, 31))
        assert mail.outbox[0].to == ["bruno@example.org"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"valid_from": "31/02/2025"}, "valid_from"),
            ({"valid_to": "01/01/2025"}, "valid_to"),
            ({"fiscal_code": "RSSMRA80A01H501V"}, "fiscal_code"),
            ({"username": "alice"}, "username"),
        ],
    )
    def test_create_errors_save_nothing(
        self, alice_client: Client, structure: Structure, change: dict[str, str], field: str
    ) -> None:
        data = {
            "username": "bruno",
            "first_name": "Bruno",
            "last_name": "Bianchi",
            "email": "bruno@example.org",
            "structure": structure.pk,
            "role": Role.CASE_MANAGER,
            "valid_from": "01/02/2025",
            **change,
        }
        response = alice_client.post(reverse("accounts:operator_create"), data)
        assert response.status_code == 200
        form = response.context["form"]
        assert list(form.errors) == [field], form.errors
        assert not Operator.objects.filter(username="bruno").exists()
        assert mail.outbox == []

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("31/02/2025", "31/02/2025 does not exist: February has 28 days."),
            ("1/2/25", "Write the year with four digits"),
            ("2025-13-01", "There is no month 13"),
        ],
    )
    def test_a_wrong_start_date_says_what_is_wrong(
        self, alice_client: Client, structure: Structure, typed: str, message: str
    ) -> None:
        data = {"username": "bruno", "first_name": "Bruno", "last_name": "Bianchi", "email": "bruno@example.org"}
        data |= {"structure": str(structure.pk), "role": Role.CASE_MANAGER, "valid_from": typed}
        alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        with translation.override("en"):
            response = alice_client.post(reverse("accounts:operator_create"), data)
            errors = [str(e) for e in response.context["form"].errors["valid_from"]]
        assert any(message in error for error in errors), errors
        assert not Operator.objects.filter(username="bruno").exists()

    def test_every_error_is_shown_at_once(self, alice_client: Client, structure: Structure) -> None:
        data: dict[str, Any] = {"username": "alice", "first_name": "A", "last_name": "B", "email": "b@example.org"}
        data |= {"fiscal_code": "ABC", "structure": structure.pk, "role": Role.EDUCATOR}
        data |= {"valid_from": "01/02/2025", "valid_to": "01/01/2025"}
        response = alice_client.post(reverse("accounts:operator_create"), data)
        assert set(response.context["form"].errors) == {"username", "fiscal_code", "valid_to"}

    def test_structures_of_another_ambito_cannot_be_chosen(
        self, alice_client: Client, other_structure: Structure
    ) -> None:
        data: dict[str, Any] = {"username": "bruno", "first_name": "B", "last_name": "B", "email": "b@example.org"}
        data |= {"structure": other_structure.pk, "role": Role.EDUCATOR, "valid_from": "01/02/2025"}
        response = alice_client.post(reverse("accounts:operator_create"), data)
        assert response.context["form"].has_error("structure")
        assert not Operator.objects.filter(username="bruno").exists()

    def test_detail_shows_memberships_teams_and_mfa(self, alice_client: Client, structure: Structure) -> None:
        bruno = OperatorFactory.create(username="bruno", totp=False)
        start, end = datetime.date(2024, 9, 1), datetime.date(2026, 8, 31)
        MembershipFactory.create(operator=bruno, structure=structure, valid_from=start, valid_to=end)
        team = TeamFactory.create(ambito=structure.organisation.ambito, name="GCO")
        TeamMemberFactory.create(team=team, operator=bruno)
        body = alice_client.get(reverse("accounts:operator_detail", args=[bruno.pk])).content.decode()
        assert "01/09/2024" in body
        assert "31/08/2026" in body
        assert "GCO" in body
        assert "Non configurato" in body or "Not enrolled" in body

    def test_list_search_and_filters(self, alice_client: Client, structure: Structure, alice: Operator) -> None:
        bruno = operator_with_role(Role.EDUCATOR, structure=structure, username="bruno", first_name="Bruno")
        gone = operator_with_role(Role.EDUCATOR, structure=structure, username="gone", is_active=False)
        url = reverse("accounts:operator_list")

        def names(params: dict[str, Any]) -> list[str]:
            return [o.username for o in alice_client.get(url, params).context["page"]]

        assert set(names({})) == {"alice", "bruno"}
        assert names({"q": "brun"}) == ["bruno"]
        assert names({"role": Role.ADMINISTRATOR}) == ["alice"]
        assert names({"status": "inactive"}) == [gone.username]
        assert set(names({"status": ""})) == {"alice", "bruno", "gone"}
        other = OrganisationFactory.create(ambito=structure.organisation.ambito)
        MembershipFactory.create(operator=bruno, structure=StructureFactory.create(organisation=other))
        assert names({"organisation": other.pk}) == ["bruno"]

    def test_update_deactivate_and_reset_mfa(self, alice_client: Client, structure: Structure) -> None:
        bruno = operator_with_role(Role.EDUCATOR, structure=structure, username="bruno")
        data = {"first_name": "Bruno", "last_name": "Neri", "email": "b@example.org", "fiscal_code": "rssmra80a01h501u"}
        alice_client.post(reverse("accounts:operator_update", args=[bruno.pk]), data)
        alice_client.post(reverse("accounts:operator_reset_mfa", args=[bruno.pk]))
        alice_client.post(reverse("accounts:operator_deactivate", args=[bruno.pk]))
        bruno.refresh_from_db()
        assert (bruno.last_name, bruno.fiscal_code, bruno.is_active) == ("Neri", "RSSMRA80A01H501U", False)
        actions = list(DomainEvent.objects.order_by("seq").values_list("action", flat=True))
        assert actions[-3:] == [
            "accounts.operator.updated",
            "accounts.operator.mfa_reset",
            "accounts.operator.deactivated",
        ]

    def test_refusal_is_reported(self, alice_client: Client, alice: Operator) -> None:
        response = alice_client.post(reverse("accounts:operator_deactivate", args=[alice.pk]), follow=True)
        assert len(list(response.context["messages"])) == 1
        alice.refresh_from_db()
        assert alice.is_active


class TestMembershipPages:
    def test_add_and_overlap_message(self, alice_client: Client, structure: Structure) -> None:
        bruno = operator_with_role(Role.EDUCATOR, structure=structure, username="bruno")
        url = reverse("accounts:membership_add", args=[bruno.pk])
        data = {"structure": structure.pk, "role": Role.CASE_MANAGER, "valid_from": "01/03/2025"}
        assert alice_client.post(url, data).status_code == 302
        response = alice_client.post(url, data | {"valid_from": "02/03/2025"})
        assert response.context["form"].has_error("valid_from")
        assert bruno.memberships.count() == 2

    def test_end_with_htmx_returns_the_list(self, alice_client: Client, structure: Structure) -> None:
        bruno = operator_with_role(Role.EDUCATOR, structure=structure, username="bruno")
        membership = bruno.memberships.get()
        url = reverse("accounts:membership_end", args=[membership.pk])
        today = timezone.localdate()
        response = alice_client.post(url, {"valid_to": today.strftime("%d/%m/%Y")}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert 'id="membership-list"' in response.content.decode()
        membership.refresh_from_db()
        assert membership.valid_to == today

    def test_end_error_with_htmx(self, alice_client: Client, structure: Structure) -> None:
        bruno = operator_with_role(Role.EDUCATOR, structure=structure, username="bruno")
        membership = bruno.memberships.get()
        url = reverse("accounts:membership_end", args=[membership.pk])
        response = alice_client.post(url, {"valid_to": "01/01/1990"}, HTTP_HX_REQUEST="true")
        assert 'role="alert"' in response.content.decode()
        membership.refresh_from_db()
        assert membership.valid_to is None

    def test_end_without_htmx_redirects(self, alice_client: Client, structure: Structure) -> None:
        bruno = operator_with_role(Role.EDUCATOR, structure=structure, username="bruno")
        membership = bruno.memberships.get()
        response = alice_client.post(reverse("accounts:membership_end", args=[membership.pk]), {"valid_to": "bad"})
        assert response["Location"] == reverse("accounts:operator_detail", args=[bruno.pk])
        assert Membership.objects.get(pk=membership.pk).valid_to is None


class TestTeamPages:
    def test_create_add_members_and_remove(self, alice_client: Client, structure: Structure, alice: Operator) -> None:
        response = alice_client.post(reverse("accounts:team_create"), {"name": "GCO", "kind": "coordination_group"})
        team = Team.objects.get(name="GCO")
        assert response["Location"] == reverse("accounts:team_detail", args=[team.pk])
        bruno = operator_with_role(Role.EDUCATOR, structure=structure, username="bruno")
        add = reverse("accounts:team_member_add", args=[team.pk])
        alice_client.post(add, {"operator": alice.pk, "is_chair": "on"})
        response = alice_client.post(add, {"operator": bruno.pk, "is_chair": "on"})
        assert response.status_code == 200
        assert response.context["form"].has_error("is_chair")
        alice_client.post(add, {"operator": bruno.pk})
        assert set(team.members.all()) == {alice, bruno}
        member = TeamMember.objects.get(team=team, operator=bruno)
        alice_client.post(reverse("accounts:team_member_remove", args=[team.pk, member.pk]))
        assert list(team.members.all()) == [alice]

    def test_second_coordination_group_refused_on_the_field(self, alice_client: Client, ambito: Ambito) -> None:
        TeamFactory.create(ambito=ambito, kind="coordination_group")
        response = alice_client.post(reverse("accounts:team_create"), {"name": "GCO 2", "kind": "coordination_group"})
        assert response.context["form"].has_error("kind")

    def test_member_of_another_team_id_is_404(self, alice_client: Client, ambito: Ambito) -> None:
        member = TeamMemberFactory.create(team=TeamFactory.create(ambito=ambito))
        other = TeamFactory.create(ambito=ambito)
        url = reverse("accounts:team_member_remove", args=[other.pk, member.pk])
        assert alice_client.post(url).status_code == 404


class TestQueryCounts:
    """List pages run a fixed number of queries whatever the number of rows."""

    def count(self, client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def test_operator_list(
        self, alice_client: Client, structure: Structure, django_assert_max_num_queries: Any
    ) -> None:
        url = reverse("accounts:operator_list")
        for _ in range(2):
            operator_with_role(Role.EDUCATOR, structure=structure)
        few = self.count(alice_client, url)
        for _ in range(27):
            operator = operator_with_role(Role.EDUCATOR, structure=structure)
            MembershipFactory.create(operator=operator, structure=structure, role=Role.CASE_MANAGER)
        with django_assert_max_num_queries(few):
            response = alice_client.get(url)
        assert len(response.context["page"]) == 30

    def test_organisation_list(self, alice_client: Client, ambito: Ambito, django_assert_max_num_queries: Any) -> None:
        url = reverse("accounts:organisation_list")
        few = self.count(alice_client, url)
        for _ in range(29):
            StructureFactory.create(organisation=OrganisationFactory.create(ambito=ambito))
        with django_assert_max_num_queries(few):
            alice_client.get(url)

    def test_team_list(
        self, alice_client: Client, ambito: Ambito, alice: Operator, django_assert_max_num_queries: Any
    ) -> None:
        url = reverse("accounts:team_list")
        TeamMemberFactory.create(team=TeamFactory.create(ambito=ambito), operator=alice, is_chair=True)
        few = self.count(alice_client, url)
        for _ in range(29):
            TeamMemberFactory.create(team=TeamFactory.create(ambito=ambito), is_chair=True)
        with django_assert_max_num_queries(few):
            alice_client.get(url)
