"""verify_chain and ``manage.py audit_verify`` find forged, edited and deleted audit rows."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from intreccio.accounts.models import Operator
from intreccio.audit.models import AccessEvent, AuditChain
from intreccio.audit.services import ACCESS_CHAIN, DOMAIN_CHAIN, record_access, record_event
from intreccio.audit.tests.helpers import execute, triggers_lifted
from intreccio.audit.verify import ProblemKind, verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(alice: Operator) -> None:
    """Five reads and three domain events."""
    for n in range(5):
        record_access(actor=alice, obj=alice, purpose=f"read {n}")
    for verb in ("created", "updated", "deactivated"):
        record_event(action=f"accounts.operator.{verb}", actor=alice, target=alice, payload={"verb": verb})


def audit_verify(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    with translation.override("en"):
        try:
            call_command("audit_verify", *args, stdout=out, no_color=True)
        except CommandError as exc:
            return out.getvalue(), exc
    return out.getvalue(), None


def kinds(name: str = ACCESS_CHAIN, **kwargs: int) -> list[tuple[ProblemKind, int | None]]:
    return [(p.kind, p.seq) for p in verify_chain(name, **kwargs).problems]


def test_a_clean_trail_verifies(trail: None) -> None:
    output, error = audit_verify()
    assert error is None
    assert "access: 5 rows, OK" in output
    assert "domain: 3 rows, OK" in output


def test_an_empty_trail_verifies(db: None) -> None:
    output, error = audit_verify()
    assert error is None
    assert "access: 0 rows, OK" in output


def test_verbose_output_gives_the_head_to_keep_elsewhere(trail: None) -> None:
    output, _error = audit_verify("-v", "2", "--chain", "access")
    head = AuditChain.objects.get(name=ACCESS_CHAIN)
    assert f"access: head at seq 5, hash {head.last_hash}" in output
    assert "domain" not in output


def test_an_edited_row_is_found(trail: None) -> None:
    with triggers_lifted():
        execute("UPDATE audit_accessevent SET purpose = 'nothing to see' WHERE seq = 3")
    output, error = audit_verify()
    assert error is not None and error.returncode == 1
    assert "access: seq 3: the stored hash does not match" in output
    assert "domain: 3 rows, OK" in output
    assert kinds() == [(ProblemKind.HASH_MISMATCH, 3)]


def test_a_forged_row_with_a_hash_made_without_the_key_is_found(trail: None, alice: Operator) -> None:
    forged_hash = "f" * 64
    with triggers_lifted():
        execute(
            "UPDATE audit_accessevent SET actor_username = 'mallory', row_hash = %s WHERE seq = 2",
            (forged_hash,),
        )
        execute("UPDATE audit_accessevent SET prev_hash = %s WHERE seq = 3", (forged_hash,))
    output, error = audit_verify()
    assert error is not None
    assert "seq 2: the stored hash does not match" in output
    # Row 3 now points at the forgery; its own hash no longer matches either.
    assert kinds() == [(ProblemKind.HASH_MISMATCH, 2), (ProblemKind.HASH_MISMATCH, 3)]


def test_a_broken_link_is_found(trail: None) -> None:
    with triggers_lifted():
        execute("UPDATE audit_domainevent SET prev_hash = '' WHERE seq = 2")
    output, error = audit_verify()
    assert error is not None
    assert "domain: seq 2 does not point to the row before it" in output
    assert kinds(DOMAIN_CHAIN) == [(ProblemKind.PREV_HASH_MISMATCH, 2), (ProblemKind.HASH_MISMATCH, 2)]


def test_a_deleted_middle_row_is_found(trail: None) -> None:
    with triggers_lifted():
        assert execute("DELETE FROM audit_accessevent WHERE seq = 3") == 1
    output, error = audit_verify()
    assert error is not None
    assert "access: 4 rows, 1 problem:" in output
    assert "access: seq 3 is missing: the row was deleted." in output
    assert kinds() == [(ProblemKind.MISSING_ROWS, 3)]


def test_several_deleted_rows_are_named_as_a_range(trail: None) -> None:
    with triggers_lifted():
        execute("DELETE FROM audit_accessevent WHERE seq IN (1, 2, 4)")
    output, _error = audit_verify()
    assert "access: seq 1 to 2 are missing" in output
    assert "access: seq 4 is missing" in output


def test_a_deleted_tail_row_is_found(trail: None) -> None:
    with triggers_lifted():
        assert execute("DELETE FROM audit_accessevent WHERE seq = 5") == 1
    output, error = audit_verify()
    assert error is not None
    assert "access: seq 5 is missing at the end of the chain (the chain head is at seq 5)." in output
    assert kinds() == [(ProblemKind.MISSING_ROWS, 5)]


def test_a_head_moved_back_is_found(trail: None) -> None:
    with triggers_lifted():
        execute("UPDATE audit_auditchain SET last_seq = 3 WHERE name = 'access'")
    output, error = audit_verify()
    assert error is not None
    assert "up to seq 5: the head was moved back" in output
    assert kinds() == [(ProblemKind.HEAD_MISMATCH, 3), (ProblemKind.ROWS_BEYOND_HEAD, 5)]


def test_a_deleted_head_is_found(trail: None) -> None:
    with triggers_lifted():
        execute("DELETE FROM audit_auditchain WHERE name = 'domain'")
    output, error = audit_verify()
    assert error is not None
    assert "The chain head is missing although the chain has 3 rows." in output


def test_the_walk_reads_in_bounded_batches(trail: None) -> None:
    # A gap exactly on a batch boundary is still seen, and no query reads the whole table.
    with triggers_lifted():
        execute("DELETE FROM audit_accessevent WHERE seq = 3")
    with CaptureQueriesContext(connection) as ctx:
        problems = kinds(chunk_size=2)
    assert problems == [(ProblemKind.MISSING_ROWS, 3)]
    walks = [
        q["sql"] for q in ctx.captured_queries if 'FROM "audit_accessevent"' in q["sql"] and "MAX(" not in q["sql"]
    ]
    assert len(walks) == 3  # 2 + 2 rows, then an empty batch
    assert all("LIMIT 2" in sql for sql in walks)


def test_rows_appended_after_the_head_was_read_are_left_for_the_next_run(trail: None, alice: Operator) -> None:
    report = verify_chain(ACCESS_CHAIN)
    record_access(actor=alice, obj=alice)
    assert report.ok and report.rows == 5
    assert verify_chain(ACCESS_CHAIN).rows == 6


def test_a_bad_chunk_size_is_refused(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("audit_verify", "--chunk-size", "0", stdout=StringIO())


def test_verification_does_not_touch_the_rows(trail: None) -> None:
    before = list(AccessEvent.objects.values_list("seq", "row_hash"))
    audit_verify()
    assert list(AccessEvent.objects.values_list("seq", "row_hash")) == before
