"""A pytest plugin for the whole suite: no change-history copies out of a transactional test's flush.

On SQLite the flush that ends a ``transaction=True`` or live-server test empties each table
with DELETE, in no fixed order, and the history triggers copy every deleted row into the history
table, which may already have been emptied: the copies would outlive the test and show up in
later tests (a sentinel found in a dump, a count off by some rows). This plugin drops the
history triggers just before that flush; the flush's own ``post_migrate`` makes them again.
(On PostgreSQL the flush is a TRUNCATE, which row triggers do not see.) Enable it in the root
conftest with ``pytest_plugins = [..., "intreccio.history.tests.pytest_plugin"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django import DjangoDbBlocker


def _flush_makes_the_triggers_again(request: pytest.FixtureRequest) -> bool:
    """False when the flush skips ``post_migrate`` (``available_apps`` or serialized rollback)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return True
    return marker.kwargs.get("available_apps") is None and not marker.kwargs.get("serialized_rollback")


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return any(name in request.fixturenames for name in ("transactional_db", "live_server"))


@pytest.fixture(autouse=True)
def history_triggers_lifted_before_flush(
    request: pytest.FixtureRequest, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    if not _is_transactional(request):
        yield
        return
    # Set the database up before this fixture, so that its flush is torn down after this.
    request.getfixturevalue("transactional_db")
    yield
    # Imported here: a plugin loads before Django is set up.
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            if connection.vendor == "sqlite" and _flush_makes_the_triggers_again(request):
                from intreccio.history.triggers import remove_triggers

                remove_triggers(connection)
