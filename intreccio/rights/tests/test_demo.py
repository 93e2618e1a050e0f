"""The demo privacy requests: one access report pending, one delivered, loaded once."""

from __future__ import annotations

from collections import Counter

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from intreccio.demo.rights import demo_rights_load
from intreccio.demo.services import demo_load
from intreccio.rights.models import DataSubjectRequest, RequestKind, RequestStatus
from intreccio.rights.services import REPORT_GENERATED, document_produced

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_pending_and_a_delivered_access_report_and_loads_once() -> None:
    summary = demo_load()  # runs demo_rights_load itself
    assert summary.created["rights_requests"] == 2
    again: Counter[str] = Counter()
    demo_rights_load(again)
    assert sum(again.values()) == 0
    requests = list(DataSubjectRequest.objects.order_by("received_on"))
    assert [r.kind for r in requests] == [RequestKind.ACCESS_REPORT, RequestKind.ACCESS_REPORT]
    delivered, pending = requests
    assert delivered.status == RequestStatus.FULFILLED and document_produced(delivered, REPORT_GENERATED)
    assert pending.is_open and not pending.is_overdue()
    assert delivered.person_id != pending.person_id

    # The coordination group's chair sees both, and can print the pending one's report.
    chair = delivered.closed_by
    assert chair is not None
    TOTP.activate(chair, generate_totp_secret())  # demo accounts have no second factor outside a demo install
    client = Client()
    client.force_login(chair)
    rows = client.get(reverse("rights:request_list")).context["rows"]
    assert [row.dsr.pk for row in rows] == [pending.pk, delivered.pk]
    response = client.get(reverse("rights:access_report_pdf", args=[pending.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
