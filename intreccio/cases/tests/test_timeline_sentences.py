"""Every event the demo writes about a case reads as a sentence, not as a code."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from intreccio.accounts.models import Operator
from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Case

pytestmark = pytest.mark.django_db


def test_the_demo_timelines_have_no_raw_event_names() -> None:
    from intreccio.demo.services import demo_load

    with translation.override("en"):
        demo_load()
    actions = set(DomainEvent.objects.filter(target_type="cases.case").values_list("action", flat=True))
    assert {a.split(".")[0] for a in actions} >= {"cases", "assessments", "plans"}
    manager = Operator.objects.get(username="assistente")
    client = Client()
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    for case in Case.objects.filter(case_manager=manager):
        html = client.get(reverse("cases:case_timeline", args=[case.pk])).content.decode()
        leftovers = sorted(a for a in actions if a in html)
        assert not leftovers, (case.number, leftovers)
