"""The demo referrals: one accepted on consent to a third-sector service, one on an override; idempotent."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.urls import reverse

from intreccio.accounts.models import Operator, OrganisationKind
from intreccio.audit.models import AccessEvent
from intreccio.demo.referrals import demo_referrals_load
from intreccio.demo.services import demo_load
from intreccio.referrals.models import OverrideBasis, Referral, ReferralStatus
from intreccio.referrals.tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_accounts_without_totp(settings: Any) -> None:
    # The demo accounts have no authenticator; demo installations exempt them.
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True


def test_the_demo_referrals_load_once_and_read_as_they_should() -> None:
    summary = demo_load()  # runs demo_referrals_load itself
    assert summary.created["referrals"] == 2
    on_consent = Referral.objects.get(consent__isnull=False)
    assert on_consent.status == ReferralStatus.ACCEPTED
    assert on_consent.to_structure.organisation.kind == OrganisationKind.THIRD_SECTOR
    assert on_consent.third_sector_consent is not None
    assert on_consent.sent_by.username == "casemanager"
    assert on_consent.answered_by is not None and on_consent.answered_by.username == "erogatore"
    on_override = Referral.objects.get(consent__isnull=True)
    assert on_override.override_basis == OverrideBasis.VITAL_INTEREST
    assert on_override.override_by == on_override.sent_by and on_override.override_at is not None
    assert on_override.status == ReferralStatus.SENT

    again: Counter[str] = Counter()
    demo_referrals_load(again)
    assert not any(again.values()) and Referral.objects.count() == 2

    # The cooperative's operator reads the minimum dataset; the SerD operator does not.
    erogatore = client_for(Operator.objects.get(username="erogatore"))
    html = erogatore.get(reverse("referrals:referral_detail", args=[on_consent.pk])).content.decode()
    assert "Popescu" in html and "tirocinio di inclusione" in html
    assert AccessEvent.objects.filter(actor__username="erogatore", purpose="referral").exists()
    sanitario = client_for(Operator.objects.get(username="sanitario"))
    assert sanitario.get(reverse("referrals:referral_detail", args=[on_consent.pk])).status_code == 404
    assistente = client_for(Operator.objects.get(username="assistente"))
    assert "Popescu" in assistente.get(reverse("referrals:inbox")).content.decode()
