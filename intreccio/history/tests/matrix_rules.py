"""Matrix rules for the change-history page: only an operator acting as auditor reads it."""

from __future__ import annotations

from intreccio.accounts.models import Role
from tests.matrix import Rule

RULES: dict[str, Rule] = {
    "history:row_changes": Rule(roles=frozenset({Role.AUDITOR.value}), note="reading it is itself recorded"),
}
