"""Loading ISTAT's list of comuni: complete, idempotent, quick, consistent with other sources."""

from __future__ import annotations

import time

import pytest
from codicefiscale.data import get_municipalities_data
from django.core.management import call_command
from django.db import IntegrityError, transaction

from intreccio.audit.models import DomainEvent
from intreccio.territory.istat import IstatComune, IstatFormatError, istat_comuni, istat_parse
from intreccio.territory.models import Comune
from intreccio.territory.services import comuni_load_istat
from intreccio.territory.tests.factories import ComuneFactory

pytestmark = pytest.mark.django_db


def test_bundled_list_has_every_comune_once() -> None:
    rows = istat_comuni()
    assert 7800 <= len(rows) <= 8000
    assert len({row.istat_code for row in rows}) == len(rows)
    assert len({row.belfiore_code for row in rows}) == len(rows)
    assert sum(row.province_code == "CR" for row in rows) == 113
    cremona = next(row for row in rows if row.istat_code == "019036")
    assert cremona == IstatComune("019036", "D150", "Cremona", "CR", "Cremona", "Lombardia")


def test_accented_names_are_decoded() -> None:
    names = {row.name for row in istat_comuni()}
    assert "Agliè" in names
    assert "Cantù" in names


def test_parse_refuses_a_file_that_is_not_istats() -> None:
    with pytest.raises(IstatFormatError):
        istat_parse(b"nome;codice\nCremona;D150\n")
    with pytest.raises(IstatFormatError):
        istat_parse(b"")


def test_load_is_complete_idempotent_and_quick() -> None:
    started = time.monotonic()
    first = comuni_load_istat()
    elapsed = time.monotonic() - started
    assert elapsed < 10, elapsed
    assert first.created == first.total == Comune.objects.count()
    assert 7800 <= first.total <= 8000
    assert Comune.objects.filter(province_code="CR").count() == 113
    cremona = Comune.objects.get(istat_code="019036")
    assert (cremona.belfiore_code, cremona.name, cremona.province_name) == ("D150", "Cremona", "Cremona")

    second = comuni_load_istat()
    assert (second.created, second.updated) == (0, 0)
    assert Comune.objects.count() == first.total
    assert DomainEvent.objects.filter(action="territory.comuni.loaded").count() == 1


def test_reload_repairs_edited_rows_and_keeps_their_identity() -> None:
    comuni_load_istat()
    cremona = Comune.objects.get(istat_code="019036")
    Comune.objects.filter(pk=cremona.pk).update(name="Cremona (edited)", region_name="Emilia-Romagna")
    summary = comuni_load_istat()
    assert (summary.created, summary.updated) == (0, 1)
    cremona.refresh_from_db()
    assert (cremona.name, cremona.region_name) == ("Cremona", "Lombardia")


def test_recoded_comune_keeps_its_row() -> None:
    """ISTAT renumbers comuni when provinces change; the Belfiore code identifies them."""
    old = ComuneFactory.create(istat_code="998001", belfiore_code="Y901", name="Vecchio codice")
    recoded = IstatComune("998002", "Y901", "Nuovo codice", "ZZ", "Provincia di prova", "Lombardia")
    summary = comuni_load_istat(rows=[recoded])
    assert summary.updated == 1
    old.refresh_from_db()
    assert (old.istat_code, old.name) == ("998002", "Nuovo codice")


def test_comuni_left_out_of_the_list_are_kept() -> None:
    merged = ComuneFactory.create()
    comuni_load_istat(rows=[IstatComune("998500", "Y950", "Altro", "ZZ", "Prova", "Lombardia")])
    assert Comune.objects.filter(pk=merged.pk).exists()


def test_belfiore_codes_agree_with_python_codicefiscale() -> None:
    active = {(m["code"], m["province"]) for m in get_municipalities_data() if m["active"]}
    cremona_province = [row for row in istat_comuni() if row.province_code == "CR"]
    disagreeing = [row.name for row in cremona_province if (row.belfiore_code, "CR") not in active]
    assert not disagreeing


def test_load_comuni_command(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_comuni")
    assert Comune.objects.filter(province_code="CR").count() == 113
    assert str(Comune.objects.count()) in capsys.readouterr().out


@pytest.mark.parametrize(
    "fields",
    [
        {"istat_code": "19036"},
        {"istat_code": "01903A"},
        {"belfiore_code": "d150"},
        {"belfiore_code": "D15"},
        {"belfiore_code": "1150"},
    ],
)
def test_database_refuses_malformed_codes(fields: dict[str, str]) -> None:
    values = {
        "istat_code": "998123",
        "belfiore_code": "Y923",
        "name": "Prova",
        "province_code": "ZZ",
        "province_name": "Prova",
        "region_name": "Lombardia",
        **fields,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Comune.objects.create(**values)


def test_database_refuses_duplicate_codes() -> None:
    ComuneFactory.create(istat_code="998200", belfiore_code="Y920")
    with pytest.raises(IntegrityError), transaction.atomic():
        ComuneFactory.create(istat_code="998200", belfiore_code="Y921")
    with pytest.raises(IntegrityError), transaction.atomic():
        ComuneFactory.create(istat_code="998201", belfiore_code="Y920")
