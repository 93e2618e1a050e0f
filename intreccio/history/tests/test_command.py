"""``manage.py history_triggers`` tells whether the triggers are in place and makes them again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from intreccio.history.triggers import installed_triggers

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("history_triggers", *args, stdout=out)
    return out.getvalue()


def test_in_place_after_migrate() -> None:
    assert "Every table with personal data has its change-history triggers" in _run()


def test_a_missing_trigger_is_reported_and_install_makes_it_again() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute('DROP TRIGGER "history_capture__people_person_delete"')
        else:
            cursor.execute("DROP TRIGGER history_capture_delete ON people_person")
    with pytest.raises(CommandError, match="people_person") as failure, translation.override("en"):
        call_command("history_triggers", stdout=StringIO())
    assert "cases_case" not in str(failure.value)
    assert "Change-history triggers made on" in _run("--install")
    assert len(installed_triggers(connection)["people_person"]) == 2
