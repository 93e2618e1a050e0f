"""The demo loader of meetings: the roster of the Ambito Cremonese, meetings for demo cases, idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from intreccio.demo.meetings import MEDIATORS, demo_meetings_load
from intreccio.demo.services import demo_load
from intreccio.meetings.models import Decision, Mediator, Meeting
from intreccio.meetings.selectors import mediator_find

pytestmark = pytest.mark.django_db


def test_the_roster_and_meetings_load_once() -> None:
    # demo_load loads the meetings too; a second call finds everything there.
    summary = demo_load()
    assert summary.created["mediators"] == len(MEDIATORS) == Mediator.objects.count()
    languages = {code for m in Mediator.objects.all() for code in m.language_codes}
    assert {"ar", "zh", "ro", "sq", "ur", "pa", "wo", "fr", "uk", "ru"} <= languages
    assert all(m.organisation is not None for m in Mediator.objects.all())
    counts = (Mediator.objects.count(), Meeting.objects.count(), Decision.objects.count())
    assert not any(demo_meetings_load(operators={}).values())  # nothing new the second time
    assert counts == (Mediator.objects.count(), Meeting.objects.count(), Decision.objects.count())
    ambito = summary.ambito
    assert [m.name for m in mediator_find(ambito_id=ambito.pk, language="wo")] == ["Moussa Ndiaye"]
    cremona = ambito.comuni.get(name="Cremona")
    assert "Chen Xiaoling" in [m.name for m in mediator_find(ambito_id=ambito.pk, language="zh", comune=cremona)]


def test_meetings_for_open_demo_cases() -> None:
    summary = demo_load()
    assert summary.created["meetings"] >= 2 and summary.created["mediator_bookings"] >= 1
    case = Meeting.objects.filter(status="held").order_by("pk").first().case  # type: ignore[union-attr]
    assert not any(demo_meetings_load(operators={}).values())
    held = Meeting.objects.get(case=case, status="held")
    assert held.ends_at < timezone.now() and held.minutes and held.decisions.count() == 2
    assert set(held.invitees.values_list("attendance", flat=True)) == {"present"}
    upcoming = Meeting.objects.get(case=case, status="planned")
    assert upcoming.starts_at > timezone.now() and upcoming.bookings.get().status == "confirmed"
