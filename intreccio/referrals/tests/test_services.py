"""The life of a referral: sent, accepted, rejected, completed, withdrawn; events, e-mails, locking."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from intreccio.audit.models import DomainEvent
from intreccio.cases.selectors import case_timeline_for_user
from intreccio.people.models import Consent
from intreccio.referrals import services
from intreccio.referrals.models import Referral, ReferralStatus
from intreccio.referrals.tests.conftest import FISCAL_CODE, NOTES, World

pytestmark = pytest.mark.django_db

ANSWER = "Colloquio fissato per lunedì alle 10 in cooperativa."


def _events(world: World) -> list[DomainEvent]:
    return list(
        DomainEvent.objects.filter(action__startswith="referrals.", target_id=str(world.case.pk)).order_by("seq")
    )


class TestSend:
    def test_the_event_carries_ids_and_codes_only(self, world: World) -> None:
        referral = world.send()
        (event,) = _events(world)
        assert event.action == "referrals.referral.sent"
        assert (event.target_type, event.target_id) == ("cases.case", str(world.case.pk))
        assert event.payload == {
            "referral": referral.pk,
            "from_structure": world.net.social.pk,
            "to_structure": world.inserimenti.pk,
            "status": "sent",
            "sections": ["common", "work"],
            "basis": "consent",
            "override_basis": "",
            "consents": [world.network.pk, world.third_sector.pk],
        }
        # No "section" key (the whole team may see it happened); no reason, answer or name in it.
        assert "section" not in event.payload and "reason" not in event.payload

    def test_the_receiving_service_gets_an_email_with_the_case_number_only(
        self, world: World, django_capture_on_commit_callbacks: object
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            world.send()
        (message,) = mail.outbox
        assert message.to == ["tina@example.org"]  # Pia, the auditor, reads no case
        assert str(world.case.number) in str(message.body)
        for private in ("Ferrari", "Giulia", "Tirocinio", FISCAL_CODE, "333 1234567"):
            assert private not in message.body and private not in message.subject

    def test_no_email_before_the_commit(self, world: World) -> None:
        world.send()
        assert mail.outbox == []

    def test_a_closed_case_sends_no_referral(self, world: World) -> None:
        type(world.case).objects.filter(pk=world.case.pk).update(
            status="closed", closed_on=world.case.taken_in_charge_on, closure_outcome="other"
        )
        with pytest.raises(ValidationError):
            world.send()
        assert not Referral.objects.exists()


class TestAnswers:
    def test_accept_then_complete(self, world: World, django_capture_on_commit_callbacks: object) -> None:
        referral = world.send()
        tina = world.net.request(world.tina)
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            referral = services.referral_accept(request=tina, referral=referral, version=1, note=ANSWER)
        assert referral.status == ReferralStatus.ACCEPTED and referral.version == 2
        assert referral.answered_by == world.tina and referral.answer_note == ANSWER
        assert mail.outbox[-1].to == ["alice@example.org"]  # the sender, who is also the case manager
        assert ANSWER not in mail.outbox[-1].body
        referral = services.referral_complete(
            request=tina, referral=referral, version=2, outcome="Tirocinio avviato il 3 marzo."
        )
        assert referral.status == ReferralStatus.COMPLETED and referral.closed_by == world.tina
        assert [e.action.rsplit(".", 1)[1] for e in _events(world)] == ["sent", "accepted", "completed"]

    def test_reject_needs_a_reason(self, world: World) -> None:
        referral = world.send()
        tina = world.net.request(world.tina)
        with pytest.raises(ValidationError) as exc:
            services.referral_reject(request=tina, referral=referral, version=1, reason="no")
        assert "reason" in exc.value.message_dict
        referral = services.referral_reject(
            request=tina, referral=referral, version=1, reason="Nessun posto libero fino a settembre."
        )
        assert referral.status == ReferralStatus.REJECTED and referral.answered_at is not None

    def test_only_the_receiving_service_answers(self, world: World) -> None:
        referral = world.send()
        for outsider in (world.net.alice, world.net.hugo, world.pia, world.net.carla, world.net.olga):
            with pytest.raises(PermissionDenied):
                services.referral_accept(request=world.net.request(outsider), referral=referral, version=1)
        assert Referral.objects.get().status == ReferralStatus.SENT

    def test_a_stale_version_is_refused_with_the_current_referral(self, world: World) -> None:
        referral = world.send()
        tina = world.net.request(world.tina)
        services.referral_accept(request=tina, referral=referral, version=1)
        with pytest.raises(services.StaleReferral) as exc:
            services.referral_reject(request=tina, referral=referral, version=1, reason="Nessun posto libero ora.")
        assert exc.value.current.status == ReferralStatus.ACCEPTED

    def test_only_the_moves_of_the_state_machine(self, world: World) -> None:
        referral = world.send()
        with pytest.raises(ValidationError) as exc:
            services.referral_complete(
                request=world.net.request(world.tina), referral=referral, version=1, outcome="Fatto tutto quanto."
            )
        assert exc.value.code == "wrong_state"

    def test_the_sender_or_the_case_manager_withdraws(self, world: World) -> None:
        referral = world.to_cps()  # sent by Nadia; Alice manages the case
        with pytest.raises(PermissionDenied):
            services.referral_withdraw(
                request=world.net.request(world.net.bob), referral=referral, version=1, reason="Non serve più ormai."
            )
        with pytest.raises(PermissionDenied):
            services.referral_withdraw(
                request=world.net.request(world.net.hugo), referral=referral, version=1, reason="Non serve più ormai."
            )
        referral = services.referral_withdraw(
            request=world.net.request(world.net.alice), referral=referral, version=1, reason="Non serve più ormai."
        )
        assert referral.status == ReferralStatus.WITHDRAWN and referral.closed_by == world.net.alice

    def test_a_recipient_cannot_answer_once_the_consent_is_withdrawn(self, world: World) -> None:
        referral = world.send()
        Consent.objects.filter(pk=world.third_sector.pk).update(withdrawn_on=world.third_sector.given_on)
        with pytest.raises(PermissionDenied):
            services.referral_accept(request=world.net.request(world.tina), referral=referral, version=1)


class TestTimeline:
    def test_the_team_reads_the_referral_in_the_case_history(self, world: World) -> None:
        referral = world.send()
        services.referral_accept(request=world.net.request(world.tina), referral=referral, version=1)
        for reader in (world.net.bob, world.net.carla):  # a CPI operator on the team, the coordination group
            timeline = case_timeline_for_user(request=world.net.request(reader), pk=world.case.pk)
            actions = [e.event.action for e in timeline.entries]
            assert "referrals.referral.sent" in actions and "referrals.referral.accepted" in actions
        client = Client()
        client.force_login(world.net.bob)
        client.cookies["django_language"] = "en"
        html = client.get(reverse("cases:case_timeline", args=[world.case.pk])).content.decode()
        # The team, who may read the case's referrals, reads which service received it.
        service = escape("Inserimenti lavorativi (Cooperativa sociale La Trama)")
        assert f"referred the person to {service}." in html
        assert f"accepted the referral to {service}." in html
        assert "Tirocinio" not in html  # the reason is not quoted in the history
        assert all(text not in html for notes in NOTES.values() for text in notes.values())
        # The coordination group, off the team, reads that the person was referred, not where.
        client.force_login(world.net.carla)
        html = client.get(reverse("cases:case_timeline", args=[world.case.pk])).content.decode()
        assert "referred the person to another service of the network." in html
        assert "accepted the referral to another service of the network." in html
        assert "Inserimenti lavorativi" not in html and "La Trama" not in html
