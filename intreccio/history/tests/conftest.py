from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Max, QuerySet

from intreccio.history.models import RowChange

ChangesSince = Callable[[], "QuerySet[RowChange]"]


@pytest.fixture
def new_changes(db: None) -> ChangesSince:
    """The history rows written since the fixture was set up, oldest first.

    A transactional test elsewhere may leave rows behind (SQLite's flush deletes tracked rows
    with the triggers in place), so tests look only at the rows they caused.
    """
    mark = RowChange.objects.aggregate(mark=Max("id"))["mark"] or 0
    return lambda: RowChange.objects.filter(id__gt=mark).order_by("id")
