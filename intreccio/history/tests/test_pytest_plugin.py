"""A transactional test's flush leaves no history copies behind (see pytest_plugin)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from intreccio.history.models import RowChange
from intreccio.history.triggers import installed_triggers, remove_triggers
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_plugin_is_active_for_transactional_tests(request: pytest.FixtureRequest) -> None:
    assert "history_triggers_lifted_before_flush" in request.fixturenames


def test_a_flush_without_the_triggers_leaves_an_empty_history_and_makes_them_again() -> None:
    persons = [PersonFactory.create() for _ in range(3)]
    Person.objects.filter(pk__in=[p.pk for p in persons]).update(languages="italiano")
    assert RowChange.objects.count() == 3
    # What the plugin does before the closing flush, then the flush itself.
    remove_triggers(connection)
    call_command("flush", verbosity=0, interactive=False)
    assert not RowChange.objects.exists()
    assert not Person.objects.exists()
    # The flush's post_migrate made the triggers again.
    assert "people_person" in installed_triggers(connection)
