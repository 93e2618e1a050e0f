"""Demo blackout (oscuramento, SECURITY.md R21): on the case of Stefano Galli, followed by the SerD,
the SerD's health specialist writes a note about a past stay in a therapeutic community and
records Mr Galli's signed request that it stay within the SerD.

The SerD operator sees the note with its "blacked out" badge and the request in the list of
the service's blackouts; the auditor sees the request in the register; nobody else sees the note
or any sign of it. The note and the blackout are found by their text and key, so running the
loader again changes nothing.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone

from intreccio.accounts.models import Membership, Operator
from intreccio.blackout.models import Blackout, TargetType
from intreccio.blackout.services import blackout_record
from intreccio.cases.models import Case, CaseNote, Section
from intreccio.cases.services import case_note_add

AUTHOR = "sanitario"
NOTE_TEXT = (
    "Riferisce un ricovero in comunità terapeutica nel 2019, concluso positivamente; "
    "chiede che l'informazione resti al SerD."
)


def _request(operator: Operator) -> HttpRequest:
    request = RequestFactory(SERVER_NAME="localhost").get("/")
    request.user = operator
    membership = Membership.objects.current().filter(operator=operator).select_related("structure__organisation")
    request.membership = membership.order_by("pk").first()  # type: ignore[attr-defined]
    request.request_id = "demo"  # type: ignore[attr-defined]
    return request


@transaction.atomic
def demo_blackout_load(created: Counter[str]) -> None:
    """One health note of the SerD on the Galli case, blacked out at the person's request."""
    author = Operator.objects.filter(username=AUTHOR, is_demo=True).first()
    case = (
        Case.objects.filter(person__first_name="Stefano", person__last_name="Galli", members__operator=author)
        .order_by("pk")
        .first()
    )
    if author is None or case is None:
        return  # the demo cases are not loaded
    request = _request(author)
    # Note texts are encrypted in the database (R12): compared here, not in a query.
    note = next((n for n in CaseNote.objects.filter(case=case, author=author) if n.text == NOTE_TEXT), None)
    if note is None:
        note = case_note_add(request=request, case=case, section=Section.HEALTH, text=NOTE_TEXT)
        created["case_notes"] += 1
    if Blackout.objects.filter(target_type=TargetType.CASE_NOTE, target_id=note.pk).exists():
        return
    requested_on = timezone.localdate(note.created_at)
    blackout_record(
        request=request,
        target_type=TargetType.CASE_NOTE,
        target_id=note.pk,
        requested_on=requested_on,
        request_reference=f"Prot. {requested_on.year}/0412",
    )
    created["blackouts"] += 1
