"""Ambiti and their comuni: creation, assignment, consistency, the Cremonese list."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from intreccio.accounts.tests.factories import AmbitoFactory
from intreccio.audit.models import DomainEvent
from intreccio.territory.data import ambito_cremonese
from intreccio.territory.istat import istat_comuni
from intreccio.territory.models import Comune
from intreccio.territory.services import ambito_assign_comuni, ambito_create, sub_ambito_create
from intreccio.territory.tests.factories import ComuneFactory, SubAmbitoFactory

pytestmark = pytest.mark.django_db


def test_cremonese_list_names_48_comuni_of_the_province() -> None:
    by_name = {row.name: row for row in istat_comuni() if row.province_code == ambito_cremonese.PROVINCE}
    listed = ambito_cremonese.COMUNI
    assert len(listed) == len(set(listed)) == 48
    assert [name for name in listed if name not in by_name] == []
    assert "Cremona" in listed


def test_the_three_ambiti_partition_the_province_of_cremona() -> None:
    province = {row.name for row in istat_comuni() if row.province_code == "CR"}
    cremonese = set(ambito_cremonese.COMUNI)
    cremasco = set(ambito_cremonese.CREMASCO)
    casalasco = set(ambito_cremonese.CASALASCO)
    assert not (cremonese & cremasco or cremonese & casalasco or cremasco & casalasco)
    assert cremonese | cremasco | casalasco == province
    assert "Crema" not in cremonese
    assert "Casalmaggiore" not in cremonese


def test_ambito_create_records_an_event() -> None:
    ambito = ambito_create(code="CR-TEST", name="Ambito di prova", region="Lombardia")
    event = DomainEvent.objects.get(action="territory.ambito.created")
    assert event.target_id == str(ambito.pk)
    assert event.actor is None
    assert event.payload["code"] == "CR-TEST"


def test_ambito_create_refuses_a_duplicate_code() -> None:
    ambito_create(code="CR-TEST", name="Ambito di prova", region="Lombardia")
    with pytest.raises(ValidationError):
        ambito_create(code="CR-TEST", name="Un altro ambito", region="Lombardia")
    assert DomainEvent.objects.filter(action="territory.ambito.created").count() == 1


def test_assign_sets_ambito_and_sub_ambito_and_is_idempotent() -> None:
    ambito = AmbitoFactory.create()
    sub_ambito = sub_ambito_create(ambito=ambito, name="Cremona città")
    comuni = [ComuneFactory.create() for _ in range(3)]

    assert ambito_assign_comuni(ambito=ambito, comuni=comuni[:2], sub_ambito=sub_ambito) == 2
    assert ambito_assign_comuni(ambito=ambito, comuni=comuni[2:]) == 1
    assert ambito_assign_comuni(ambito=ambito, comuni=comuni[:2], sub_ambito=sub_ambito) == 0

    rows = {c.pk: (c.ambito_id, c.sub_ambito_id) for c in Comune.objects.filter(pk__in=[c.pk for c in comuni])}
    assert rows == {
        comuni[0].pk: (ambito.pk, sub_ambito.pk),
        comuni[1].pk: (ambito.pk, sub_ambito.pk),
        comuni[2].pk: (ambito.pk, None),
    }
    events = DomainEvent.objects.filter(action="territory.ambito.comuni_assigned")
    assert events.count() == 2


def test_moving_a_comune_to_another_ambito_leaves_its_old_sub_ambito() -> None:
    first = AmbitoFactory.create()
    sub_ambito = SubAmbitoFactory.create(ambito=first)
    comune = ComuneFactory.create()
    ambito_assign_comuni(ambito=first, comuni=[comune], sub_ambito=sub_ambito)

    second = AmbitoFactory.create()
    ambito_assign_comuni(ambito=second, comuni=[comune])
    comune.refresh_from_db()
    assert (comune.ambito_id, comune.sub_ambito_id) == (second.pk, None)


def test_assign_refuses_a_sub_ambito_of_another_ambito() -> None:
    ambito = AmbitoFactory.create()
    foreign = SubAmbitoFactory.create(ambito=AmbitoFactory.create())
    comune = ComuneFactory.create()
    with pytest.raises(ValidationError) as excinfo:
        ambito_assign_comuni(ambito=ambito, comuni=[comune], sub_ambito=foreign)
    assert excinfo.value.code == "sub_ambito_of_other_ambito"
    assert foreign.name in excinfo.value.messages[0]
    comune.refresh_from_db()
    assert (comune.ambito_id, comune.sub_ambito_id) == (None, None)
    assert not DomainEvent.objects.filter(action="territory.ambito.comuni_assigned").exists()


def test_database_refuses_a_sub_ambito_without_ambito() -> None:
    sub_ambito = SubAmbitoFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        ComuneFactory.create(sub_ambito=sub_ambito, ambito=None)


def test_database_refuses_two_sub_ambiti_with_one_name_in_an_ambito() -> None:
    sub_ambito = SubAmbitoFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        SubAmbitoFactory.create(ambito=sub_ambito.ambito, name=sub_ambito.name)
