"""The referral pages: the recipients' minimum dataset, when their access ends, the sender's view,
the new-referral form, the answers, the inbox; every read recorded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intreccio.audit.models import AccessEvent
from intreccio.cases import permissions as case_permissions
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, Section
from intreccio.people.models import Consent
from intreccio.referrals import services
from intreccio.referrals.models import OverrideBasis, Referral, ReferralStatus
from intreccio.referrals.tests.conftest import FISCAL_CODE, NOTES, World, client_for

pytestmark = pytest.mark.django_db

REASON = "Tirocinio di inclusione in cooperativa di tipo B, 20 ore a settimana."
ALL_NOTES = {text.split()[0]: text for notes in NOTES.values() for text in notes.values()}


def _detail(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.pk])


def _reads(world: World, **filters: object) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(object_type="cases.case", object_id=str(world.case.pk), **filters))


class TestRecipientView:
    def test_the_minimum_dataset_and_nothing_more(self, world: World) -> None:
        referral = world.send()
        response = client_for(world.tina).get(_detail(referral))
        assert response.status_code == 200
        html = response.content.decode()
        for shown in ("Ferrari", "Giulia", "12/04/1985", FISCAL_CODE, "333 1234567", REASON):
            assert shown in html, shown
        # How to reach the sender.
        assert "alice@example.org" in html and "0372 407111" in html and "Servizio sociale" in html
        assert ALL_NOTES["SENT-COMMON"] in html and ALL_NOTES["SENT-WORK"] in html
        for hidden in ("SENT-VIOLENCE", "SENT-DISABILITY", "SENT-SERD", "SENT-HEALTH"):
            assert hidden not in html, hidden
        # Not in the minimum dataset: address, e-mail, the case's need and team, the consents.
        for absent in ("Via Bissolati", "giulia.ferrari@example.org", "bob", "Consultorio", "given on"):
            assert absent not in html, absent
        assert f'href="/casi/{world.case.pk}/' not in html  # no way into the case pages

    def test_every_read_is_recorded_per_shared_section(self, world: World) -> None:
        referral = world.send()
        client_for(world.tina).get(_detail(referral))
        reads = _reads(world, actor=world.tina)
        assert sorted(r.section for r in reads) == ["common", "identity", "work"]
        assert {r.purpose for r in reads} == {"referral"}
        assert {r.organisation_name for r in reads} == {"Cooperativa sociale La Trama"}

    def test_health_reaches_the_health_service_but_serd_notes_stay_in_the_serd(self, world: World) -> None:
        referral = world.to_cps()
        html = client_for(world.net.hugo).get(_detail(referral)).content.decode()
        assert ALL_NOTES["SENT-HEALTH"] in html and ALL_NOTES["SENT-COMMON"] in html
        assert "SENT-SERD" not in html and "SENT-WORK" not in html

    def test_notes_written_after_sending_are_not_shared(self, world: World) -> None:
        referral = world.send()
        case_services.case_note_add(
            request=world.net.request(world.net.alice), case=world.case, section=Section.COMMON, text="SENT-LATER"
        )
        html = client_for(world.tina).get(_detail(referral)).content.decode()
        assert ALL_NOTES["SENT-COMMON"] in html and "SENT-LATER" not in html

    def test_blacked_out_notes_are_not_shared(self, world: World) -> None:
        referral = world.send()
        hidden = world.notes["SENT-COMMON"].pk

        def conceal(request: HttpRequest, case: Case) -> set[tuple[str, int]]:
            return {("cases.casenote", hidden)}

        case_permissions.register_concealment(conceal)
        try:
            html = client_for(world.tina).get(_detail(referral)).content.decode()
        finally:
            case_permissions._CONCEALMENTS.remove(conceal)
        assert "SENT-COMMON" not in html and ALL_NOTES["SENT-WORK"] in html

    def test_the_recipient_never_gets_the_case_pages(self, world: World) -> None:
        world.send()
        client = client_for(world.tina)
        for name, kwargs in (
            ("cases:case_detail", {"pk": world.case.pk}),
            ("cases:case_timeline", {"pk": world.case.pk}),
            ("cases:case_section", {"pk": world.case.pk, "section": "common"}),
            ("referrals:case_referrals", {"case_pk": world.case.pk}),
        ):
            assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, name


class TestAccessEnds:
    @pytest.fixture
    def accepted(self, world: World) -> Iterator[Referral]:
        referral = world.send()
        yield services.referral_accept(request=world.net.request(world.tina), referral=referral, version=1)

    def test_completed(self, world: World, accepted: Referral) -> None:
        client = client_for(world.tina)
        assert client.get(_detail(accepted)).status_code == 200
        services.referral_complete(
            request=world.net.request(world.tina), referral=accepted, version=2, outcome="Tirocinio avviato."
        )
        assert client.get(_detail(accepted)).status_code == 404

    def test_rejected(self, world: World) -> None:
        referral = world.send()
        services.referral_reject(
            request=world.net.request(world.tina), referral=referral, version=1, reason="Nessun posto libero."
        )
        assert client_for(world.tina).get(_detail(referral)).status_code == 404

    def test_withdrawn(self, world: World, accepted: Referral) -> None:
        services.referral_withdraw(
            request=world.net.request(world.net.alice), referral=accepted, version=2, reason="La persona ha rinunciato."
        )
        assert client_for(world.tina).get(_detail(accepted)).status_code == 404

    def test_a_consent_it_rests_on_withdrawn(self, world: World, accepted: Referral) -> None:
        Consent.objects.filter(pk=world.third_sector.pk).update(withdrawn_on=timezone.localdate())
        client = client_for(world.tina)
        assert client.get(_detail(accepted)).status_code == 404
        inbox = client.get(reverse("referrals:inbox")).content.decode()
        assert "Ferrari" not in inbox and "Consent withdrawn" in inbox
        # The sender sees it, with the withdrawal.
        html = client_for(world.net.alice).get(_detail(accepted)).content.decode()
        assert "withdrawn on" in html

    def test_an_override_does_not_end_with_a_consent(self, world: World) -> None:
        referral = world.send(
            consents=[],
            override_basis=OverrideBasis.VITAL_INTEREST,
            override_reason="Ricoverata d'urgenza, non può firmare il consenso.",
        )
        Consent.objects.filter(person=world.net.person).update(withdrawn_on=timezone.localdate())
        assert client_for(world.tina).get(_detail(referral)).status_code == 200


class TestSenderView:
    def test_the_team_follows_the_referral(self, world: World) -> None:
        referral = world.send()
        for member in (world.net.alice, world.net.bob):
            response = client_for(member).get(_detail(referral))
            assert response.status_code == 200
            html = response.content.decode()
            assert "Sharing of the social record" in html and REASON in html
            assert "SENT-COMMON" not in html  # notes are on the case page, not here
        assert "Withdraw the referral" in client_for(world.net.alice).get(_detail(referral)).content.decode()
        assert "Withdraw the referral" not in client_for(world.net.bob).get(_detail(referral)).content.decode()
        assert {r.purpose for r in _reads(world, actor=world.net.bob)} == {"referral"}

    def test_the_override_is_shown_to_the_team(self, world: World) -> None:
        referral = world.send(
            consents=[],
            override_basis=OverrideBasis.JUDICIAL_ORDER,
            override_reason="Decreto del Tribunale per i minorenni del 3 marzo.",
        )
        html = client_for(world.net.bob).get(_detail(referral)).content.decode()
        assert "Order of a judicial authority" in html and "Decreto del Tribunale" in html

    @pytest.mark.parametrize("who", ["dario", "carla", "olga", "hugo"])
    def test_nobody_else_sees_it(self, world: World, who: str) -> None:
        referral = world.send()
        client = client_for(getattr(world.net, who))
        before = AccessEvent.objects.count()
        assert client.get(_detail(referral)).status_code == 404
        assert client.get(reverse("referrals:case_referrals", args=[world.case.pk])).status_code == 404
        assert AccessEvent.objects.count() == before

    def test_an_auditor_of_the_receiving_service_does_not_see_it(self, world: World) -> None:
        referral = world.send()
        client = client_for(world.pia)
        assert client.get(_detail(referral)).status_code == 404
        assert client.get(reverse("referrals:inbox")).status_code == 404


class TestCaseReferralsPage:
    def _url(self, world: World) -> str:
        return reverse("referrals:case_referrals", args=[world.case.pk])

    def test_the_form_offers_what_the_sender_may_share(self, world: World) -> None:
        html = client_for(world.net.bob).get(self._url(world)).content.decode()
        assert f'<option value="{world.inserimenti.pk}"' in html and f'<option value="{world.net.cps.pk}"' in html
        assert f'<option value="{world.net.cpi.pk}"' not in html  # not his own service
        assert 'value="work"' in html and 'value="health"' not in html  # a CPI operator reads no health
        assert "Legal basis of the override" not in html  # nor decides overrides
        html = client_for(world.net.alice).get(self._url(world)).content.decode()
        assert "Legal basis of the override" in html and "Vital interest" in html
        assert f'value="{world.network.pk}"' in html and f'<option value="{world.net.cpi.pk}"' in html
        assert f'<option value="{world.net.social.pk}"' not in html  # not her own service
        elsewhere = world.net.olga.memberships.get().structure
        assert f'<option value="{elsewhere.pk}"' not in html  # nor another ambito's

    def test_without_consent_nothing_is_sent_and_the_form_says_why(self, world: World) -> None:
        response = client_for(world.net.alice).post(
            self._url(world),
            {"to_structure": world.inserimenti.pk, "reason": REASON, "shared_sections": ["common"]},
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "Nothing was saved" in html and "Sharing of the social record" in html
        assert not Referral.objects.exists()

    def test_a_valid_referral_is_sent(self, world: World) -> None:
        response = client_for(world.net.alice).post(
            self._url(world),
            {
                "to_structure": world.inserimenti.pk,
                "reason": REASON,
                "shared_sections": ["common", "work"],
                "consents": [world.network.pk, world.third_sector.pk],
                "override_basis": "",
            },
        )
        referral = Referral.objects.get()
        assert response.status_code == 302 and response["Location"] == _detail(referral)
        assert referral.shared_sections == ["common", "work"] and referral.sent_by == world.net.alice

    def test_the_list_shows_the_referrals(self, world: World) -> None:
        world.send()
        html = client_for(world.net.bob).get(self._url(world)).content.decode()
        assert "Inserimenti lavorativi" in html and "Common, Work and employability" in html


class TestAnswerPages:
    def test_accept_reject_complete_from_the_page(self, world: World) -> None:
        referral = world.send()
        client = client_for(world.tina)
        html = client.get(_detail(referral)).content.decode()
        assert "Accept the referral" in html and "Decline the referral" in html
        assert client.get(reverse("referrals:referral_accept", args=[referral.pk])).status_code == 405
        response = client.post(
            reverse("referrals:referral_reject", args=[referral.pk]), {"reject-version": 1, "reject-reason": ""}
        )
        assert response.status_code == 200 and "This field is required" in response.content.decode()
        assert Referral.objects.get().status == ReferralStatus.SENT
        response = client.post(
            reverse("referrals:referral_accept", args=[referral.pk]), {"accept-version": 1, "accept-note": ""}
        )
        assert response.status_code == 302 and response["Location"] == _detail(referral)
        response = client.post(
            reverse("referrals:referral_complete", args=[referral.pk]),
            {"complete-version": 2, "complete-outcome": "Tirocinio avviato il 3 marzo."},
        )
        assert response.status_code == 302 and response["Location"] == reverse("referrals:inbox")
        assert Referral.objects.get().status == ReferralStatus.COMPLETED

    def test_a_stale_answer_is_refused(self, world: World) -> None:
        referral = world.send()
        client = client_for(world.tina)
        client.post(reverse("referrals:referral_accept", args=[referral.pk]), {"accept-version": 1})
        response = client.post(
            reverse("referrals:referral_reject", args=[referral.pk]),
            {"reject-version": 1, "reject-reason": "Nessun posto libero."},
        )
        assert response.status_code == 302
        assert Referral.objects.get().status == ReferralStatus.ACCEPTED

    def test_the_team_cannot_answer_for_the_recipient(self, world: World) -> None:
        referral = world.send()
        response = client_for(world.net.alice).post(
            reverse("referrals:referral_accept", args=[referral.pk]), {"accept-version": 1}
        )
        assert response.status_code == 404
        assert Referral.objects.get().status == ReferralStatus.SENT

    def test_withdraw_from_the_page(self, world: World) -> None:
        referral = world.send()
        response = client_for(world.net.alice).post(
            reverse("referrals:referral_withdraw", args=[referral.pk]),
            {"withdraw-version": 1, "withdraw-reason": "La persona ha trovato lavoro."},
        )
        assert response.status_code == 302
        assert Referral.objects.get().status == ReferralStatus.WITHDRAWN
        response = client_for(world.tina).post(
            reverse("referrals:referral_withdraw", args=[referral.pk]),
            {"withdraw-version": 2, "withdraw-reason": "La persona ha trovato lavoro."},
        )
        assert response.status_code == 404


class TestInbox:
    def test_active_first_then_past_without_names(self, world: World) -> None:
        first = world.send()
        services.referral_complete(
            request=world.net.request(world.tina),
            referral=services.referral_accept(request=world.net.request(world.tina), referral=first, version=1),
            version=2,
            outcome="Tirocinio avviato il 3 marzo.",
        )
        world.send()
        client = client_for(world.tina)
        html = client.get(reverse("referrals:inbox")).content.decode()
        active, past = html.split("Closed referrals")
        assert "Ferrari" in active and "Ferrari" not in past and str(world.case.number) not in past
        assert "Completed" in past

    def test_the_inbox_read_is_recorded(self, world: World) -> None:
        world.send()
        client_for(world.tina).get(reverse("referrals:inbox"))
        assert AccessEvent.objects.filter(actor=world.tina, object_id="inbox", section="list").count() == 1
        assert [r.purpose for r in _reads(world, actor=world.tina)] == ["referral inbox"]

    def test_the_query_count_does_not_grow_with_the_referrals(self, world: World) -> None:
        world.send()
        client = client_for(world.tina)
        client.get(reverse("referrals:inbox"))
        with CaptureQueriesContext(connection) as one:
            client.get(reverse("referrals:inbox"))
        world.send()
        world.send()
        with CaptureQueriesContext(connection) as three:
            client.get(reverse("referrals:inbox"))
        assert len(three.captured_queries) == len(one.captured_queries)

    def test_the_navigation_has_the_inbox_for_case_roles(self, world: World) -> None:
        html = client_for(world.tina).get(reverse("home")).content.decode()
        assert f'href="{reverse("referrals:inbox")}"' in html
        html = client_for(world.pia).get(reverse("home")).content.decode()
        assert f'href="{reverse("referrals:inbox")}"' not in html


def test_the_case_page_links_the_referrals_for_the_team_only(world: World) -> None:
    url = reverse("referrals:case_referrals", args=[world.case.pk])
    case_page = reverse("cases:case_detail", args=[world.case.pk])
    assert f'href="{url}"' in client_for(world.net.bob).get(case_page).content.decode()
    # The coordination group reads the case page but is not on the team: no link to a 404.
    response = client_for(world.net.carla).get(case_page)
    assert response.status_code == 200 and f'href="{url}"' not in response.content.decode()
