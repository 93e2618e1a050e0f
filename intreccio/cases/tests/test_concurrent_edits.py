"""F1: many clients save the same case from the same version; exactly one wins each round.

On PostgreSQL (row locks, real concurrency): 2 and then 20 clients, 200 rounds each. Every round
all clients hold the version they loaded and try to move the case (suspend it when active, resume
it when suspended). One save per version wins; every other client gets ``StaleVersion`` with the
current case, nothing is written twice and the audit chain stays whole.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from intreccio.audit.models import DomainEvent
from intreccio.audit.services import DOMAIN_CHAIN
from intreccio.audit.verify import verify_chain
from intreccio.cases.models import Case, CaseMember, CaseStatus, TeamRole
from intreccio.cases.services import StaleVersion, case_resume, case_suspend
from intreccio.cases.tests.conftest import TODAY, Net

ROUNDS = 200

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers itself"),
]


def _active_case(net: Net) -> Case:
    case = Case.objects.create(
        ambito=net.ambito,
        number="CRE-F1-000001",
        person=net.person,
        intake=net.intake,
        prevalent_need=net.intake.prevalent_need,
        case_manager=net.alice,
        case_manager_structure=net.social,
        accessed_on=net.intake.received_on,
        taken_in_charge_on=TODAY,
        status=CaseStatus.ACTIVE,
    )
    CaseMember.objects.create(
        case=case, operator=net.alice, structure=net.social, team_role=TeamRole.CASE_MANAGER, joined_on=TODAY
    )
    return case


@pytest.mark.parametrize("clients", [2, 20])
def test_one_save_per_version_wins(transactional_db: None, net: Net, clients: int) -> None:
    case = _active_case(net)
    barrier = threading.Barrier(clients)
    outcomes: Counter[tuple[int, str]] = Counter()
    lock = threading.Lock()
    state: dict[str, int | str] = {"version": case.version, "status": case.status}

    def client(n: int) -> None:
        request = net.request(net.alice)
        try:
            for round_ in range(ROUNDS):
                barrier.wait(timeout=60)
                version, status = int(state["version"]), str(state["status"])
                barrier.wait(timeout=60)  # everyone has read the same version before anyone saves
                try:
                    if status == CaseStatus.ACTIVE:
                        saved = case_suspend(request=request, case=case, version=version, reason=f"F1 round {round_}")
                    else:
                        saved = case_resume(request=request, case=case, version=version)
                except StaleVersion as stale:
                    assert stale.current.version == version + 1
                    outcome = "stale"
                else:
                    outcome = "won"
                    state["version"], state["status"] = saved.version, saved.status
                with lock:
                    outcomes[(round_, outcome)] += 1
                barrier.wait(timeout=60)  # the winner has published the new version
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client, n) for n in range(clients)]:
            future.result()

    for round_ in range(ROUNDS):
        assert outcomes[(round_, "won")] == 1, round_
        assert outcomes[(round_, "stale")] == clients - 1, round_
    case.refresh_from_db()
    assert case.version == 1 + ROUNDS
    assert case.status == CaseStatus.ACTIVE  # an even number of moves
    moves = DomainEvent.objects.filter(
        action__in=["cases.case.suspended", "cases.case.resumed"], target_id=str(case.pk)
    )
    assert moves.count() == ROUNDS
    assert verify_chain(DOMAIN_CHAIN).ok
