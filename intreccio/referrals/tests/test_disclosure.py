"""R9: a referral needs the consent for that disclosure or an override stored on the referral.

The first tests fail if the default flips to allow: with no consent and no override a referral
is refused by the rule, by the service (nothing written: no referral, no event, no e-mail) and by
the database.
"""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intreccio.accounts.models import Organisation, OrganisationKind, Structure
from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Section
from intreccio.people.models import ConsentScope
from intreccio.people.tests.factories import PersonFactory
from intreccio.referrals.disclosure import (
    CONSENT,
    OVERRIDE,
    OVERRIDE_ONLY_SECTIONS,
    referral_disclosure_allowed,
    required_scopes,
)
from intreccio.referrals.models import OverrideBasis, Referral
from intreccio.referrals.tests.conftest import TODAY, World, consent

pytestmark = pytest.mark.django_db

OVERRIDE_REASON = "Rischio per la vita: la persona è ricoverata e non può firmare il consenso."


def _nothing_written(world: World) -> None:
    assert not Referral.objects.exists()
    assert not DomainEvent.objects.filter(action__startswith="referrals.").exists()
    assert mail.outbox == []


def _messages(exc: pytest.ExceptionInfo[ValidationError], field: str) -> list[str]:
    return exc.value.message_dict.get(field, [])


class TestDenyByDefault:
    def test_the_rule_refuses_without_consent_or_override(self, world: World) -> None:
        decision = referral_disclosure_allowed(
            person=world.net.person, to_structure=world.net.cps, sections=[Section.COMMON], on=TODAY
        )
        assert decision.allowed is False
        assert decision.basis == ""
        assert "consents" in decision.problems

    def test_the_service_refuses_and_writes_nothing(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.send(consents=[], shared_sections=[])
        assert any("Sharing of the social record" in m for m in _messages(exc, "consents"))
        _nothing_written(world)

    @settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        sections=st.sets(st.sampled_from(Section.values)),
        kind=st.sampled_from(OrganisationKind.values),
    )
    def test_no_combination_is_allowed_without_a_basis(self, world: World, sections: set[str], kind: str) -> None:
        receiving = Structure(organisation=Organisation(pk=999_999, kind=kind), name="x")
        decision = referral_disclosure_allowed(
            person=world.net.person, to_structure=receiving, sections=sections, on=TODAY
        )
        assert not decision.allowed and decision.problems

    def test_the_database_refuses_a_referral_with_neither_basis(self, world: World) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            Referral.objects.create(
                case=world.case,
                from_structure=world.net.social,
                sent_by=world.net.alice,
                to_structure=world.inserimenti,
                reason="Senza consenso e senza deroga.",
            )

    def test_the_database_refuses_a_referral_with_both_bases(self, world: World) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            Referral.objects.create(
                case=world.case,
                from_structure=world.net.social,
                sent_by=world.net.alice,
                to_structure=world.inserimenti,
                reason="Con consenso e con deroga insieme.",
                consent=world.network,
                override_basis=OverrideBasis.VITAL_INTEREST,
                override_reason=OVERRIDE_REASON,
                override_by=world.net.alice,
                override_at=timezone.now(),
            )

    def test_the_database_refuses_an_override_without_its_author(self, world: World) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            Referral.objects.create(
                case=world.case,
                from_structure=world.net.social,
                sent_by=world.net.alice,
                to_structure=world.inserimenti,
                reason="Deroga senza autore né data.",
                override_basis=OverrideBasis.VITAL_INTEREST,
                override_reason=OVERRIDE_REASON,
            )


class TestConsent:
    def test_the_consents_that_cover_it_let_the_referral_go(self, world: World) -> None:
        referral = world.send()
        assert referral.consent == world.network
        assert referral.third_sector_consent == world.third_sector
        assert referral.health_consent is None
        assert referral.override_basis == "" and referral.override_by is None

    def test_a_withdrawn_consent_does_not_count(self, world: World) -> None:
        world.network.withdrawn_on = TODAY
        world.network.save()
        with pytest.raises(ValidationError) as exc:
            world.send()
        assert any("not in force" in m for m in _messages(exc, "consents"))
        _nothing_written(world)

    def test_a_consent_withdrawn_after_the_form_was_loaded_counts(self, world: World) -> None:
        stale = type(world.network).objects.get(pk=world.network.pk)
        type(world.network).objects.filter(pk=world.network.pk).update(withdrawn_on=TODAY)
        with pytest.raises(ValidationError):
            world.send(consents=[stale, world.third_sector])
        _nothing_written(world)

    def test_a_consent_dated_in_the_future_does_not_count(self, world: World) -> None:
        tomorrow = consent(world.net, ConsentScope.NETWORK_SHARING, given_on=TODAY + datetime.timedelta(days=1))
        with pytest.raises(ValidationError):
            world.send(consents=[tomorrow, world.third_sector])
        _nothing_written(world)

    def test_a_consent_for_another_organisation_does_not_count(self, world: World) -> None:
        other = Organisation.objects.create(
            name="Cooperativa Altrove", kind=OrganisationKind.THIRD_SECTOR, ambito=world.net.ambito
        )
        elsewhere = consent(world.net, ConsentScope.THIRD_SECTOR, recipient=other)
        with pytest.raises(ValidationError) as exc:
            world.send(consents=[world.network, elsewhere])
        assert any("Cooperativa Altrove" in m for m in _messages(exc, "consents"))
        _nothing_written(world)

    def test_a_network_consent_given_for_the_receiving_organisation_counts(self, world: World) -> None:
        only_trama = consent(world.net, ConsentScope.NETWORK_SHARING, recipient=world.trama)
        referral = world.send(consents=[only_trama, world.third_sector])
        assert referral.consent == only_trama

    def test_health_shared_with_only_a_network_consent_is_refused(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.to_cps(consents=[world.network])
        assert any("health information" in m for m in _messages(exc, "consents"))
        _nothing_written(world)

    def test_health_shared_with_the_health_consent_goes(self, world: World) -> None:
        referral = world.to_cps()
        assert referral.health_consent == world.health and referral.consent == world.network

    def test_disability_needs_the_health_consent_too(self, world: World) -> None:
        assert ConsentScope.HEALTH_SHARING in required_scopes(sections=[Section.DISABILITY], to_structure=world.net.cps)
        with pytest.raises(ValidationError):
            world.send(to_structure=world.net.cps, shared_sections=[Section.DISABILITY], consents=[world.network])

    def test_a_third_sector_body_needs_the_third_sector_consent(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.send(consents=[world.network])
        assert any("third-sector" in m for m in _messages(exc, "consents"))
        _nothing_written(world)

    def test_a_public_service_needs_no_third_sector_consent(self, world: World) -> None:
        referral = world.send(to_structure=world.net.cps, consents=[world.network])
        assert referral.third_sector_consent is None

    def test_another_persons_consent_does_not_count(self, world: World) -> None:
        stranger = PersonFactory.create(registered_by=world.trama)
        theirs = consent(world.net, ConsentScope.NETWORK_SHARING, person=stranger)
        with pytest.raises(ValidationError):
            world.send(to_structure=world.net.cps, consents=[theirs])
        _nothing_written(world)

    def test_a_contact_consent_is_not_a_consent_to_share(self, world: World) -> None:
        contact = consent(world.net, ConsentScope.CONTACT)
        with pytest.raises(ValidationError):
            world.send(to_structure=world.net.cps, consents=[contact])
        _nothing_written(world)

    @pytest.mark.parametrize("section", sorted(OVERRIDE_ONLY_SECTIONS))
    def test_violence_minors_and_judicial_never_go_on_consent(self, world: World, section: str) -> None:
        every = world.consents(ConsentScope.NETWORK_SHARING, ConsentScope.HEALTH_SHARING, ConsentScope.THIRD_SECTOR)
        with pytest.raises(ValidationError) as exc:
            world.send(shared_sections=[Section.COMMON, section], consents=every)
        assert any("override" in m for m in _messages(exc, "shared_sections"))
        _nothing_written(world)


class TestOverride:
    def test_the_override_is_stored_with_its_basis_who_and_when(self, world: World) -> None:
        before = timezone.now()
        referral = world.send(
            consents=[],
            shared_sections=[Section.COMMON, Section.VIOLENCE],
            override_basis=OverrideBasis.VITAL_INTEREST,
            override_reason=OVERRIDE_REASON,
        )
        referral.refresh_from_db()
        assert referral.override_basis == OverrideBasis.VITAL_INTEREST
        assert referral.override_reason == OVERRIDE_REASON
        assert referral.override_by == world.net.alice
        assert referral.override_at is not None and before <= referral.override_at <= timezone.now()
        assert referral.consents() == []
        event = DomainEvent.objects.get(action="referrals.referral.sent")
        assert event.payload["basis"] == OVERRIDE and event.payload["override_basis"] == "vital_interest"

    def test_an_override_needs_a_reason_of_twenty_characters(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.send(consents=[], override_basis=OverrideBasis.JUDICIAL_ORDER, override_reason="urgente")
        assert any("20 characters" in m for m in _messages(exc, "override_reason"))
        _nothing_written(world)

    def test_an_unknown_basis_is_refused(self, world: World) -> None:
        with pytest.raises(ValidationError):
            world.send(consents=[], override_basis="because", override_reason=OVERRIDE_REASON)
        _nothing_written(world)

    def test_consent_and_override_together_are_refused(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.send(override_basis=OverrideBasis.LEGAL_OBLIGATION, override_reason=OVERRIDE_REASON)
        assert _messages(exc, "consents")
        _nothing_written(world)

    def test_a_cpi_operator_cannot_decide_an_override(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.send(
                request=world.net.request(world.net.bob),
                consents=[],
                shared_sections=[Section.WORK],
                override_basis=OverrideBasis.VITAL_INTEREST,
                override_reason=OVERRIDE_REASON,
            )
        assert _messages(exc, "override_basis")
        _nothing_written(world)

    def test_the_decision_names_its_basis(self, world: World) -> None:
        allowed = referral_disclosure_allowed(
            person=world.net.person,
            to_structure=world.inserimenti,
            sections=[Section.VIOLENCE],
            override_basis=OverrideBasis.PUBLIC_INTEREST,
            override_reason=OVERRIDE_REASON,
            on=TODAY,
        )
        assert allowed.allowed and allowed.basis == OVERRIDE
        by_consent = referral_disclosure_allowed(
            person=world.net.person,
            to_structure=world.inserimenti,
            sections=[Section.COMMON],
            consents=[world.network, world.third_sector],
            on=TODAY,
        )
        assert by_consent.allowed and by_consent.basis == CONSENT
        assert dict(by_consent.consents) == {"network_sharing": world.network, "third_sector": world.third_sector}


class TestWhoAndWhat:
    def test_only_sections_the_sender_reads_can_be_shared(self, world: World) -> None:
        # A CPI operator reads common and work, not health.
        with pytest.raises(ValidationError) as exc:
            world.send(
                request=world.net.request(world.net.bob),
                to_structure=world.net.cps,
                shared_sections=[Section.HEALTH],
                consents=[world.network, world.health],
            )
        assert any("You do not read" in m for m in _messages(exc, "shared_sections"))
        _nothing_written(world)

    def test_an_unknown_section_is_refused(self, world: World) -> None:
        with pytest.raises(ValidationError):
            world.send(shared_sections=["diary"])
        _nothing_written(world)

    def test_someone_off_the_team_cannot_refer(self, world: World) -> None:
        for outsider in (world.net.dario, world.net.carla, world.net.olga, world.tina):
            with pytest.raises(PermissionDenied):
                world.send(request=world.net.request(outsider))
        _nothing_written(world)

    def test_the_receiving_service_is_of_the_ambito_and_not_ones_own(self, world: World) -> None:
        elsewhere = world.net.olga.memberships.get().structure
        for structure in (elsewhere, world.net.social):
            with pytest.raises(ValidationError) as exc:
                world.send(to_structure=structure, consents=[world.network])
            assert _messages(exc, "to_structure")
        _nothing_written(world)

    def test_a_service_where_nobody_would_read_it_is_refused(self, world: World) -> None:
        empty = Structure.objects.create(organisation=world.trama, name="Educativa domiciliare")
        with pytest.raises(ValidationError) as exc:
            world.send(to_structure=empty)
        assert _messages(exc, "to_structure")
        _nothing_written(world)

    def test_the_reason_is_required(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.send(reason="  ")
        assert _messages(exc, "reason")
        _nothing_written(world)
