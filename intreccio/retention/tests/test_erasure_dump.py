"""The strong proof of erasure (R13): after it, a full dump of the database holds nothing of the person.

A person is given a case with notes in every section, an intake with its pre-assessment, ISEE, a
measure, a consent, a legal representative, a plan, an assessment, a meeting…, every text with a
unique canary string; the case is closed; the person is erased. The dump (SQLite's ``iterdump``,
or ``pg_dump`` on PostgreSQL) then contains none of the canaries, nor the name, codice fiscale,
phone or e-mail, not even in the change history; the case row and the audit stub are still there.
Data is committed (a transactional test) so that ``pg_dump``, another connection, sees it.
"""

from __future__ import annotations

import subprocess  # nosec B404 - pg_dump with an argument list, never a shell

import pytest
from django.db import connection

from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Case, CaseStatus
from intreccio.cases.tests.conftest import Net
from intreccio.core.backup import _pg_args, _pg_tool
from intreccio.core.privacy import intreccio_models
from intreccio.history.models import RowChange
from intreccio.people.models import Person
from intreccio.plans.models import Goal, Plan
from intreccio.retention.services import person_erase
from intreccio.retention.tests.conftest import make_subject

pytestmark = pytest.mark.django_db(transaction=True)


def database_dump() -> str:
    """Every row of every table, as text."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        raw = connection.connection
        assert raw is not None
        return "\n".join(raw.iterdump())
    args, env = _pg_args(connection)
    result = subprocess.run(  # noqa: S603  # nosec B603
        [_pg_tool("pg_dump"), *args, "--format=plain", "--no-owner", "--no-privileges"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def orm_dump(*, skip_apps: frozenset[str] = frozenset()) -> str:
    """Every value of every row of every model of ours, read through the models (so decrypted)."""
    parts: list[str] = []
    for model in intreccio_models():
        if model._meta.app_label in skip_apps:
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*names):
            parts.append(repr(row))
    return "\n".join(parts)


def test_a_dump_after_the_erasure_holds_nothing_of_the_person(net: Net) -> None:
    subject = make_subject(net)
    # A goal written and removed before the erasure: only its history copy remembers it.
    plan = Plan.objects.get(case=subject.case)
    removed = Goal.objects.create(
        plan=plan, text=subject.plant("goal.removed"), indicator="n/a", due_on=subject.case.taken_in_charge_on
    )
    removed_pk = removed.pk
    removed.delete()
    subject.canaries.pop("goal.removed")  # not readable through the models any more, by design
    assert RowChange.objects.filter(table_name="plans_goal", row_pk=str(removed_pk)).exists()
    person = Person.objects.get(pk=subject.person.pk)
    # What identifies her, as stored; her name before the update, which the change history holds.
    subject.canaries.update({"stored.phone": person.phone, "stored.email": person.email, "old.name": "Ferrari"})
    before = database_dump()
    missing = [where for where, canary in subject.canaries.items() if canary not in before]
    # Positive control: every canary is findable in a dump before the erasure (unless the field is
    # stored encrypted, R12: then its plain text was never in a dump to begin with).
    identity = ("person.first_name", "person.last_name", "person.fiscal_code", "search.last_name", "old.name")
    assert not [where for where in missing if where in identity], missing
    # Fields stored encrypted (R12) are read in clear through the models: every canary is there.
    readable = orm_dump()
    assert [where for where, canary in subject.canaries.items() if canary not in readable] == []

    report = person_erase(person=person, actor=net.carla, reason="Richiesta di cancellazione n. 2025/17")

    after = database_dump()
    leaked = {where: canary for where, canary in subject.canaries.items() if canary in after}
    assert leaked == {}
    readable = orm_dump()
    assert {where: canary for where, canary in subject.canaries.items() if canary in readable} == {}
    lowered = after.lower()
    assert "ottavia" not in lowered
    assert subject.canaries["person.last_name"].lower() not in lowered
    # The case row is kept, anonymous, closed; the audit stub names it.
    case = Case.objects.get(pk=subject.case.pk)
    assert case.status == CaseStatus.CLOSED
    assert not RowChange.objects.filter(table_name="plans_goal", row_pk=str(removed_pk)).exists()
    stub = DomainEvent.objects.get(action="retention.person.erased")
    assert stub.payload["cases"] == [case.pk] == list(report.case_ids)
    assert "retention.person.erased" in after
