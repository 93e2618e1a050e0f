"""Reads of the territory, scoped to the ambito the reader administers."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet
from django.http import Http404

from intreccio.territory.models import Ambito, Comune, SubAmbito


def ambito_list_visible(*, ambito_id: int | None) -> QuerySet[Ambito]:
    """The ambiti a reader may see: their own one, or none."""
    if ambito_id is None:
        return Ambito.objects.none()
    return Ambito.objects.filter(pk=ambito_id).annotate(comuni_count=Count("comuni"))


def ambito_get_visible(*, ambito_id: int | None, pk: int) -> Ambito:
    """The ambito ``pk`` if the reader may see it; missing and forbidden are the same 404."""
    ambito = ambito_list_visible(ambito_id=ambito_id).filter(pk=pk).first()
    if ambito is None:
        raise Http404
    return ambito


def sub_ambito_list(*, ambito: Ambito) -> QuerySet[SubAmbito]:
    return SubAmbito.objects.filter(ambito=ambito).annotate(comuni_count=Count("comuni")).order_by("name")


def comune_list_for_ambito(*, ambito: Ambito) -> QuerySet[Comune]:
    return Comune.objects.filter(ambito=ambito).select_related("sub_ambito").order_by("name", "istat_code")


class ComuniNotFound(LookupError):
    """Some names given for a province are not comuni of that province in the loaded list."""

    def __init__(self, province: str, names: list[str]) -> None:
        super().__init__(f"Not comuni of {province}: {', '.join(names)}")
        self.province = province
        self.names = names


def comune_list_by_names(*, province_code: str, names: Iterable[str]) -> list[Comune]:
    """The comuni of one province named exactly as ISTAT names them; every name must resolve."""
    wanted = list(dict.fromkeys(names))
    found = {c.name: c for c in Comune.objects.filter(province_code=province_code, name__in=wanted)}
    missing = [name for name in wanted if name not in found]
    if missing:
        raise ComuniNotFound(province_code, missing)
    return [found[name] for name in wanted]
