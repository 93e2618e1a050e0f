"""Writes to the registry: persons, households, ISEE declarations, consents.

Each service validates everything first and raises one ``ValidationError`` keyed by field, so
a form can show every problem at once and nothing is half-saved; then it writes and records its
DomainEvent in the same transaction. Domain-event payloads name the fields that changed, never
their values: the audit trail must not become a second copy of personal data.
"""

from __future__ import annotations

from intreccio.people.services.common import Errors
from intreccio.people.services.households import (
    consent_record,
    consent_withdraw,
    household_create,
    household_member_add,
    household_member_leave,
    isee_record,
)
from intreccio.people.services.persons import (
    DuplicateCandidate,
    person_create,
    person_find_duplicates,
    person_update,
)

__all__ = [
    "DuplicateCandidate",
    "Errors",
    "consent_record",
    "consent_withdraw",
    "household_create",
    "household_member_add",
    "household_member_leave",
    "isee_record",
    "person_create",
    "person_find_duplicates",
    "person_update",
]
