"""Concurrent appends on PostgreSQL keep each chain gap-free and verifiable."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.audit.services import ACCESS_CHAIN, DOMAIN_CHAIN, record_access, record_event
from intreccio.audit.verify import verify_chain

THREADS = 4
APPENDS = 25

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers itself"),
]


@pytest.fixture
def committed_operators(transactional_db: None) -> list[Operator]:
    # The audit rows are emptied before the closing flush by pytest_plugin (enabled in conftest).
    return [operator_with_role(Role.CASE_MANAGER) for _ in range(THREADS)]


def test_concurrent_appends_stay_gap_free(committed_operators: list[Operator]) -> None:
    start = threading.Barrier(THREADS)

    def work(operator: Operator) -> None:
        try:
            start.wait(timeout=30)
            for n in range(APPENDS):
                record_access(actor=operator, obj=operator, purpose=f"read {n}")
                record_event(action="accounts.operator.viewed", actor=operator, target=operator)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(work, operator) for operator in committed_operators]
    for future in futures:
        future.result()  # re-raises a thread's AuditError here

    total = THREADS * APPENDS
    for model, chain in ((AccessEvent, ACCESS_CHAIN), (DomainEvent, DOMAIN_CHAIN)):
        assert list(model.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
        report = verify_chain(chain, chunk_size=7)
        assert report.ok, report.problems
        assert report.rows == total
