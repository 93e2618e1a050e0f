"""The demo blackout: a SerD health note on Stefano Galli's case, blacked out at his request, loaded once."""

from __future__ import annotations

from collections import Counter
from html import escape

import pytest
from django.urls import reverse

from intreccio.accounts.models import Operator
from intreccio.blackout.models import Blackout, TargetType
from intreccio.cases.models import CaseNote
from intreccio.cases.tests.pages import client_for
from intreccio.demo.blackout import NOTE_TEXT, demo_blackout_load
from intreccio.demo.services import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_blackout_loads_once_and_only_the_serd_sees_the_note(settings: object) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True  # type: ignore[attr-defined]
    demo_load()
    created: Counter[str] = Counter()
    demo_blackout_load(created)  # once demo_load runs it too, this call finds it there
    assert created in (Counter({"case_notes": 1, "blackouts": 1}), Counter())
    again: Counter[str] = Counter()
    demo_blackout_load(again)
    assert not again
    (note,) = [n for n in CaseNote.objects.filter(author__username="sanitario") if n.text == NOTE_TEXT]
    blackout = Blackout.objects.get()
    assert (blackout.target_type, blackout.target_id, blackout.is_active) == (TargetType.CASE_NOTE, note.pk, True)
    assert blackout.owner_structure == note.author_structure and "SerD" in note.author_structure.name
    assert blackout.person == note.case.person
    operators = {o.username: o for o in Operator.objects.filter(is_demo=True)}
    url = reverse("cases:case_detail", args=[note.case_id]) + "?section=health"
    serd = client_for(operators["sanitario"]).get(url).content.decode()
    assert escape(NOTE_TEXT) in serd and "blacked out at the person's request" in serd
    manager = client_for(operators["assistente"]).get(reverse("cases:case_detail", args=[note.case_id]))
    assert manager.status_code == 200 and escape(NOTE_TEXT) not in manager.content.decode()
    register = client_for(operators["auditor"]).get(reverse("blackout:register")).content.decode()
    assert str(blackout.person_id) in register and escape(NOTE_TEXT) not in register
