"""The retention job (R13) with a moved clock: each rule of the schedule, the legal hold, idempotence."""

from __future__ import annotations

import datetime
import io
import os
import time

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Case, CaseNote, CaseStatus, Section
from intreccio.cases.tests.conftest import Net
from intreccio.core.privacy import AUDIT_MINIMUM_MONTHS, NO_CASE_RETENTION_MONTHS, RETENTION, Category
from intreccio.history.models import RowChange
from intreccio.people.models import Consent, IseeDeclaration, LegalRepresentative, Person
from intreccio.plans.models import Goal
from intreccio.retention.job import purged_categories, retention_plan, upload_directory
from intreccio.retention.models import AnonymisationKind, CategoryPurge, PersonAnonymisation
from intreccio.retention.scrub import ERASED
from intreccio.retention.services import add_months, legal_hold_lift, legal_hold_place
from intreccio.retention.tests.conftest import Subject, close_case, make_subject, open_case, unrelated_intake
from intreccio.retention.tests.test_erasure_dump import orm_dump

pytestmark = pytest.mark.django_db

JUDICIAL = RETENTION[Category.JUDICIAL].months
IDENTIFYING = RETENTION[Category.IDENTIFYING].months
DAY = datetime.timedelta(days=1)


def run(today: datetime.date, *extra: str) -> str:
    out = io.StringIO()
    call_command("apply_retention", "--today", f"{today:%d/%m/%Y}", *extra, stdout=out)
    return out.getvalue()


def notes(subject: Subject) -> set[str]:
    return set(CaseNote.objects.filter(case=subject.case).values_list("section", flat=True))


def goals(subject: Subject) -> set[str]:
    return set(Goal.objects.filter(plan__case=subject.case).values_list("section", flat=True))


def is_anonymous(subject: Subject) -> bool:
    return PersonAnonymisation.objects.filter(person=subject.person).exists()


def without_audit() -> str:
    """The data, audit trail apart (a run adds its own audit row)."""
    return orm_dump(skip_apps=frozenset({"audit"}))


def test_the_schedule_has_purge_rules_and_keeps_audit_rows_beyond_the_minimum() -> None:
    assert purged_categories() == [Category.SPECIAL, Category.JUDICIAL, Category.MINOR, Category.VIOLENCE]
    assert RETENTION[Category.TECHNICAL].months >= AUDIT_MINIMUM_MONTHS


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month() -> None:
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), -48) == datetime.date(2020, 2, 29)
    assert add_months(datetime.date(2026, 11, 24), -120) == datetime.date(2016, 11, 24)


def test_judicial_content_goes_60_months_after_the_closure_not_a_day_before(net: Net) -> None:
    subject = make_subject(net)
    closed = subject.case.closed_on
    assert closed is not None
    judicial_note = CaseNote.objects.get(case=subject.case, section=Section.JUDICIAL)

    run(add_months(closed, JUDICIAL) - DAY)
    assert Section.JUDICIAL in notes(subject)
    assert Section.JUDICIAL in goals(subject)

    out = run(add_months(closed, JUDICIAL))
    assert notes(subject) == set(Section.values) - {Section.DISABILITY, Section.JUDICIAL}
    assert goals(subject) == {Section.COMMON, Section.HEALTH}
    assert "judicial: 1 ended case(s) purged" in out
    # Only the judicial content: the person and the other sections wait for their own deadline.
    assert not is_anonymous(subject)
    assert Person.objects.get(pk=subject.person.pk).fiscal_code == "RSSTTV80A41H501G"
    assert CategoryPurge.objects.filter(case=subject.case, category=Category.JUDICIAL, closed_on=closed).exists()
    event = DomainEvent.objects.get(action="retention.case.purged")
    assert event.payload["category"] == Category.JUDICIAL
    assert event.payload["deleted"] == {"cases.CaseNote": 1, "plans.Goal": 1}
    # The change history keeps no copy of what went.
    assert not RowChange.objects.filter(table_name="cases_casenote", row_pk=str(judicial_note.pk)).exists()


def test_after_120_months_the_sensitive_sections_go_and_the_person_is_anonymised(net: Net) -> None:
    subject = make_subject(net)
    closed = subject.case.closed_on
    assert closed is not None

    run(add_months(closed, IDENTIFYING) - DAY)
    assert not is_anonymous(subject)
    assert len(notes(subject)) == 5  # the judicial note went at 60 months

    out = run(add_months(closed, IDENTIFYING))
    assert "persons anonymised (all cases ended 120 months ago): 1" in out
    anonymisation = PersonAnonymisation.objects.get(person=subject.person)
    assert anonymisation.kind == AnonymisationKind.SCHEDULE
    person = Person.objects.get(pk=subject.person.pk)
    assert (person.last_name, person.fiscal_code, person.search_last_name) == (ERASED, None, "")
    assert not CaseNote.objects.filter(case=subject.case).exists()
    assert not Consent.objects.filter(person=person).exists()
    assert not LegalRepresentative.objects.filter(person=person).exists()
    # Economic data is anonymised, not deleted: the value stays for statistics, the protocol goes.
    isee = IseeDeclaration.objects.get()
    assert isee.value == 7654.32 or str(isee.value) == "7654.32"
    assert isee.dsu_protocol == ERASED
    case = Case.objects.get(pk=subject.case.pk)
    assert (case.status, case.closed_on, case.closure_reason) == (CaseStatus.CLOSED, closed, ERASED)
    assert readable_canaries(subject) == []


def readable_canaries(subject: Subject) -> list[str]:
    text = orm_dump()
    return [where for where, canary in subject.canaries.items() if canary in text]


def test_a_case_closed_yesterday_is_untouched(net: Net) -> None:
    subject = make_subject(net)
    before = without_audit()
    out = run(timezone.localdate() + DAY)
    assert without_audit() == before
    assert "0 ended case(s) purged" in out
    assert not CategoryPurge.objects.exists()
    assert not is_anonymous(subject)


@pytest.mark.parametrize("on", ["person", "case"])
def test_a_legal_hold_keeps_everything_until_it_is_lifted(net: Net, on: str) -> None:
    subject = make_subject(net)
    closed = subject.case.closed_on
    assert closed is not None
    target = {"person": subject.person} if on == "person" else {"case": subject.case}
    hold = legal_hold_place(actor=net.carla, reason="Ricorso al TAR n. 1234/2025", **target)
    before = without_audit()
    later = add_months(closed, IDENTIFYING + 12)

    out = run(later)
    assert without_audit() == before
    assert "1 kept by a legal hold" in out
    assert not is_anonymous(subject)
    assert len(notes(subject)) == 6

    with time_machine.travel(later, tick=False):
        legal_hold_lift(hold=hold, actor=net.carla, reason="Sentenza passata in giudicato")
    run(later)
    assert is_anonymous(subject)
    assert not notes(subject)


def test_a_second_run_does_nothing_more(net: Net) -> None:
    subject = make_subject(net)
    assert subject.case.closed_on is not None
    day = add_months(subject.case.closed_on, IDENTIFYING)
    run(day)
    after_first = without_audit()
    out = run(day)
    assert without_audit() == after_first
    assert "persons anonymised (all cases ended 120 months ago): 0" in out
    runs = DomainEvent.objects.filter(action="retention.run.completed").order_by("seq")
    assert [sum(event.payload["cases_purged"].values()) for event in runs] == [4, 0]


def test_a_dry_run_writes_nothing_and_says_what_a_run_would_do(net: Net) -> None:
    subject = make_subject(net)
    assert subject.case.closed_on is not None
    day = add_months(subject.case.closed_on, IDENTIFYING)
    before, events = orm_dump(), DomainEvent.objects.count()
    out = run(day, "--dry-run")
    assert orm_dump() == before
    assert DomainEvent.objects.count() == events
    assert "dry run: nothing written" in out
    assert "special: 1 ended case(s) would be purged" in out
    assert "persons would be anonymised (all cases ended 120 months ago): 1" in out
    plan = retention_plan(day)
    assert plan.persons["closed_cases"] == [subject.person.pk]
    assert plan.cases[Category.JUDICIAL] == [subject.case.pk]


def test_a_person_with_no_case_is_anonymised_after_24_quiet_months(net: Net) -> None:
    person = net.person  # only the intake of the net, no case
    today = timezone.localdate()
    run(add_months(today, NO_CASE_RETENTION_MONTHS) - DAY)
    assert not PersonAnonymisation.objects.filter(person=person).exists()
    # Activity restarts the clock: a new intake a year later.
    with time_machine.travel(add_months(today, 12), tick=False):
        unrelated_intake(net, person)
    run(add_months(today, NO_CASE_RETENTION_MONTHS))
    assert not PersonAnonymisation.objects.filter(person=person).exists()
    out = run(add_months(today, 12 + NO_CASE_RETENTION_MONTHS))
    assert "persons anonymised (no case, nothing written for 24 months): 1" in out
    assert Person.objects.get(pk=person.pk).last_name == ERASED


def test_another_case_within_retention_keeps_the_person(net: Net) -> None:
    subject = make_subject(net)
    first_closed = subject.case.closed_on
    assert first_closed is not None
    five_years_on = add_months(first_closed, 60)
    with time_machine.travel(five_years_on, tick=False):
        second = open_case(net, unrelated_intake(net, subject.person))
        second = close_case(net, second)
    assert second.closed_on == five_years_on

    run(add_months(first_closed, IDENTIFYING))
    # The first case loses its sensitive content; the person stays (the second case still needs
    # her), and with her the common and work notes of the first case.
    assert notes(subject) == {Section.COMMON, Section.WORK}
    assert not is_anonymous(subject)
    run(add_months(five_years_on, IDENTIFYING) - DAY)
    assert not is_anonymous(subject)
    run(add_months(five_years_on, IDENTIFYING))
    assert is_anonymous(subject)


def test_the_clock_decides_when_no_day_is_given(net: Net) -> None:
    subject = make_subject(net)
    assert subject.case.closed_on is not None
    with time_machine.travel(add_months(subject.case.closed_on, IDENTIFYING), tick=False):
        call_command("apply_retention", stdout=io.StringIO())
    assert is_anonymous(subject)


def test_audit_rows_are_never_purged(net: Net) -> None:
    subject = make_subject(net)
    assert subject.case.closed_on is not None
    seqs = set(DomainEvent.objects.values_list("seq", flat=True))
    run(add_months(subject.case.closed_on, IDENTIFYING + 12 * 30))
    assert seqs <= set(DomainEvent.objects.values_list("seq", flat=True))
    call_command("audit_verify", stdout=io.StringIO())


def test_a_wrong_day_is_refused_with_what_to_fix(db: None) -> None:
    with pytest.raises(CommandError, match="29/02/2023 does not exist"):
        call_command("apply_retention", "--today", "29/02/2023", stdout=io.StringIO())


def test_uploads_left_unconfirmed_beyond_their_day_are_removed(db: None) -> None:
    directory = upload_directory()
    stale, fresh = directory / "stale-token.csv", directory / "fresh-token.csv"
    for path in (stale, fresh):
        path.write_text("codice_fiscale\nRSSTTV80A41H501G\n", encoding="utf-8")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    out = run(timezone.localdate())
    assert not stale.exists()
    assert fresh.exists()
    assert "unconfirmed import uploads removed: 1" in out
    fresh.unlink()
