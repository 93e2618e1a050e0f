"""The concealment answers for many cases at once exactly as it does case by case."""

from __future__ import annotations

import pytest
from django.utils import timezone

from intreccio.blackout.models import TargetType
from intreccio.blackout.services import blackout_record
from intreccio.blackout.tests.conftest import Team
from intreccio.cases import permissions as case_permissions
from intreccio.cases.tests.pages import forwarded_intake, open_case

pytestmark = pytest.mark.django_db


def test_hidden_items_many_matches_hidden_items_per_case(team: Team) -> None:
    net = team.net
    other = open_case(net, intake=forwarded_intake(net))
    note = team.note(net.hugo, "Nota del CPS da oscurare.")
    kept = team.note(net.hugo, "Nota del CPS visibile.")
    blackout_record(
        request=net.request(net.hugo),
        target_type=TargetType.CASE_NOTE,
        target_id=note.pk,
        requested_on=timezone.localdate(),
        request_reference="Prot. 7",
    )
    ids = [team.case.pk, other.pk]
    for reader in (net.alice, net.bob, net.carla, net.hugo, team.elena):
        request = net.request(reader)
        many = case_permissions.hidden_items_many(request, ids)
        each = {case.pk: case_permissions.hidden_items(request, case) for case in (team.case, other)}
        assert many == each, reader
    hidden = case_permissions.hidden_items_many(net.request(net.alice), ids)
    assert hidden == {team.case.pk: {(TargetType.CASE_NOTE.value, note.pk)}, other.pk: set()}
    assert (TargetType.CASE_NOTE.value, kept.pk) not in hidden[team.case.pk]
    # The service that wrote the note keeps seeing it.
    assert case_permissions.hidden_items_many(net.request(net.hugo), ids) == {team.case.pk: set(), other.pk: set()}
