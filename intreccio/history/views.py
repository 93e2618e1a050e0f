"""The auditor's page over the change history: when a row changed and which columns, no values.

Reading it is a read of the trail of personal records, so a listing is recorded like any other
sensitive read before the page is rendered (SECURITY.md R4).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from intreccio.accounts.models import Operator
from intreccio.accounts.permissions import can_read_audit
from intreccio.audit.services import record_access
from intreccio.history.forms import RowChangeFilterForm
from intreccio.history.selectors import model_label, row_change_page

PURPOSE = "change history review"


@login_required
@require_GET
def row_changes(request: HttpRequest) -> HttpResponse:
    # Missing and forbidden look the same: nobody learns that the page exists.
    if not isinstance(request.user, Operator) or not can_read_audit(request):
        raise Http404
    auditor = request.user
    form = RowChangeFilterForm(request.GET or None)
    page = None
    if form.is_valid():
        table, row = form.cleaned_data["table"], form.cleaned_data["row"]
        page = row_change_page(table_name=table, row_pk=row, page=request.GET.get("page"))
        # Recorded against the row itself (a person's access report shows that an auditor read
        # the history of her record), or against the whole table for a table-wide listing.
        record_access(
            actor=auditor,
            object_type=model_label(table),
            object_id=row or "list",
            section="history",
            purpose=PURPOSE,
            request=request,
        )
    return render(request, "history/row_changes.html", {"form": form, "page": page})
