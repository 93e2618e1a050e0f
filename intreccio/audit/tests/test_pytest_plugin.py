"""Transactional tests can write the audit trail and still be flushed (see pytest_plugin)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from intreccio.audit.models import AuditChain, DomainEvent
from intreccio.audit.services import record_event
from intreccio.audit.tests.helpers import purge_audit_trail

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transactional_test_may_write_the_trail() -> None:
    # Without the plugin, this test's closing flush fails on the append-only triggers.
    record_event(action="audit.test.committed", actor=None)
    assert DomainEvent.objects.count() == 1


def test_purging_leaves_the_triggers_in_place() -> None:
    record_event(action="audit.test.committed", actor=None)
    purge_audit_trail()
    assert not DomainEvent.objects.exists()
    assert not AuditChain.objects.exists()
    record_event(action="audit.test.committed", actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        DomainEvent.objects.update(action="audit.test.forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditChain.objects.all().delete()
