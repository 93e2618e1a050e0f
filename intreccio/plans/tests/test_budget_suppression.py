"""Small-cell suppression of the budget tables, over random tables (SECURITY.md R10).

Whatever the counts, no table leaves exactly one cell hidden beside a shown total, from which it
could be worked out by subtraction; and suppression never alters a shown cell.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from intreccio.plans.budget import SENSITIVE_CELL, SMALL_CELL, Cell, suppress

cells = st.lists(
    st.builds(
        Cell,
        label=st.text(min_size=1, max_size=5),
        cases=st.integers(min_value=1, max_value=12),
        amount=st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False),
        threshold=st.sampled_from([SMALL_CELL, SENSITIVE_CELL]),
    ),
    min_size=1,
    max_size=8,
)


@given(rows=cells, hidden_small=st.booleans())
def test_a_lone_hidden_cell_cannot_be_worked_out_from_the_total(rows: list[Cell], hidden_small: bool) -> None:
    shown = suppress(rows, hidden_small=hidden_small)
    hidden = sum(1 for c in shown if c.suppressed) + hidden_small
    total_cases = sum(c.cases for c in rows)
    visible = [c for c in shown if not c.suppressed]
    if hidden == 1:
        # Only possible when nothing is left to withhold beside it: then every row is hidden
        # already or the table is that one row, and the total itself is below the threshold.
        assert not visible
        assert total_cases < max(c.threshold for c in rows) or len(rows) == 1
    # Suppression never changes what a shown cell says.
    for before, after in zip(rows, shown, strict=True):
        assert (before.label, before.cases, before.amount) == (after.label, after.cases, after.amount)
