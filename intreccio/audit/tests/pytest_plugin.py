"""A pytest plugin for the whole suite: empty the audit trail before a transactional test's flush.

A ``transaction=True`` or live-server test ends with a flush of every table, which the
append-only triggers refuse as soon as the test wrote an audit row. This plugin lifts the
triggers and empties the audit tables just before that flush. Enable it in the root conftest
with ``pytest_plugins = ["intreccio.audit.tests.pytest_plugin"]`` (or ``-p`` on the command line).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django import DjangoDbBlocker


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return any(name in request.fixturenames for name in ("transactional_db", "live_server"))


@pytest.fixture(autouse=True)
def audit_trail_emptied_before_flush(
    request: pytest.FixtureRequest, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    if not _is_transactional(request):
        yield
        return
    # Set the database up before this fixture, so that its flush is torn down after our purge.
    request.getfixturevalue("transactional_db")
    yield
    # Imported here: a plugin loads before Django is set up.
    from intreccio.audit.models import AccessEvent, AuditChain, DomainEvent
    from intreccio.audit.tests.helpers import purge_audit_trail

    with django_db_blocker.unblock():
        if AuditChain.objects.exists() or AccessEvent.objects.exists() or DomainEvent.objects.exists():
            purge_audit_trail()
