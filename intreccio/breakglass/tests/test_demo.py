"""The demo emergency accesses: one reviewed, one waiting in the queue; loaded once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.audit.models import DomainEvent
from intreccio.breakglass.models import BreakGlassGrant, ReviewOutcome
from intreccio.breakglass.permissions import is_sealed
from intreccio.demo.breakglass import demo_breakglass_load
from intreccio.demo.services import demo_load

pytestmark = pytest.mark.django_db


def test_demo_grants_one_reviewed_one_pending_and_loaded_once(settings: Any) -> None:
    # Demo accounts have no authenticator; a demo installation exempts them.
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    summary = demo_load()  # runs demo_breakglass_load itself
    assert summary.created["break_glass_grants"] == 2
    grants = {g.operator.username: g for g in BreakGlassGrant.objects.select_related("operator", "case")}
    reviewed, pending = grants["sanitario"], grants["educatore"]
    assert reviewed.outcome == ReviewOutcome.JUSTIFIED
    assert reviewed.reviewed_by is not None and reviewed.reviewed_by.username == "coordinatore"
    assert reviewed.ended_at is not None
    assert pending.outcome == ""
    assert reviewed.case_id != pending.case_id
    for grant in grants.values():
        # Over, on no violence record, on a case its operator is not on.
        assert not grant.is_active(timezone.now())
        assert not is_sealed(grant.case)
        assert not grant.case.members.filter(operator=grant.operator).exists()
    events = DomainEvent.objects.filter(action__startswith="breakglass.").count()
    assert events == 4  # two created, one ended, one reviewed
    again: Counter[str] = Counter()
    demo_breakglass_load(again)
    assert sum(again.values()) == 0
    assert BreakGlassGrant.objects.count() == 2
    assert DomainEvent.objects.filter(action__startswith="breakglass.").count() == events

    # The coordinator finds the pending one first; the auditor sees both.
    coordinator = Client()
    coordinator.force_login(Operator.objects.get(username="coordinatore"))
    html = coordinator.get(reverse("breakglass:review_queue")).content.decode()
    pending_url = reverse("breakglass:grant_review", args=[pending.pk])
    assert html.index(pending_url) < html.index(reverse("breakglass:grant_review", args=[reviewed.pk]))
    auditor = Client()
    auditor.force_login(Operator.objects.get(username="auditor"))
    html = auditor.get(reverse("breakglass:review_queue")).content.decode()
    assert pending_url in html
    assert reverse("breakglass:grant_review", args=[reviewed.pk]) in html
