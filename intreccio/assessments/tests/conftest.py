"""The case network of the cases app, with one case to assess.

Alice (social worker) manages the case; Bob (CPI) and Sara (SerD health specialist) are on the
team; Hugo (health specialist of the CPS) and Dario (social worker) are not; Carla sits in the
coordination group; Olga works in another ambito. Giulia, the person, is 27 on the day.
"""

from __future__ import annotations

import datetime
import importlib
from types import ModuleType
from typing import Any

import pytest

from intreccio.assessments.models import AssessmentTool
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, TeamRole
from intreccio.cases.tests.conftest import TODAY, Net, english, net  # noqa: F401  (fixtures)

SHIPPED: ModuleType = importlib.import_module("intreccio.assessments.migrations.0002_tools_v1")


def shipped_schema(kind: str) -> dict[str, Any]:
    return next(schema for _key, k, _title, schema in SHIPPED.TOOLS if k == kind)


@pytest.fixture
def case(net: Net) -> Case:  # noqa: F811
    net.person.birth_date = datetime.date(TODAY.year - 27, 1, 1)
    net.person.save(update_fields=["birth_date"])
    return case_services.case_open(
        request=net.request(net.carla),
        intake=net.intake,
        case_manager=net.alice,
        case_manager_structure=net.social,
        members=[(net.bob, net.cpi, TeamRole.CPI_TUTOR), (net.sara, net.serd, TeamRole.SERD_OPERATOR)],
    )


@pytest.fixture
def tools(db: None) -> dict[str, AssessmentTool]:
    """The published version of each shipped tool, by kind."""
    return {t.kind: t for t in AssessmentTool.objects.filter(is_published=True)}
