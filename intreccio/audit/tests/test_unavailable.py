"""F5: when the audit trail cannot be written, a sensitive read answers 503 and other pages still work."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from intreccio.accounts.models import Role
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit import services

pytestmark = pytest.mark.django_db


def test_audited_page_answers_503_when_the_access_record_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client()
    client.force_login(operator_with_role(Role.AUDITOR))
    assert client.get(reverse("audit:access_log")).status_code == 200

    def broken_append(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_append", broken_append)
    response = client.get(reverse("audit:access_log"))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert b"access log" in response.content or b"registro" in response.content
    # A page that reads no personal data keeps working.
    assert client.get(reverse("healthz")).status_code == 200
