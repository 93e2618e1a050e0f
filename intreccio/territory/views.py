"""Read-only territory pages for the ambito administrator."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from intreccio.territory.permissions import administered_ambito_id
from intreccio.territory.selectors import (
    ambito_get_visible,
    ambito_list_visible,
    comune_list_for_ambito,
    sub_ambito_list,
)


@login_required
def ambito_list(request: HttpRequest) -> HttpResponse:
    ambito_id = administered_ambito_id(request)
    if ambito_id is None:
        raise Http404
    return render(request, "territory/ambito_list.html", {"ambiti": list(ambito_list_visible(ambito_id=ambito_id))})


@login_required
def ambito_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ambito = ambito_get_visible(ambito_id=administered_ambito_id(request), pk=pk)
    comuni = list(comune_list_for_ambito(ambito=ambito))
    context = {"ambito": ambito, "sub_ambiti": list(sub_ambito_list(ambito=ambito)), "comuni": comuni}
    return render(request, "territory/ambito_detail.html", context)
