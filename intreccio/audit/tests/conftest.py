from __future__ import annotations

import pytest

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit.tests.pytest_plugin import audit_trail_emptied_before_flush

__all__ = ["audit_trail_emptied_before_flush"]


@pytest.fixture
def alice(db: None) -> Operator:
    """Alice, a case manager whose reads the audit trail records."""
    return operator_with_role(Role.CASE_MANAGER, username="alice")


@pytest.fixture
def ugo(db: None) -> Operator:
    """Ugo, the ambito's auditor."""
    return operator_with_role(Role.AUDITOR, username="ugo")
