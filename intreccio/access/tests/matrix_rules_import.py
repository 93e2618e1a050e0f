"""Matrix rules for the beneficiary-list import.

Uploading is open to the segretariato and to coordinators sitting in the ambito's coordination
group (the matrix coordinator sits in it). An upload is seen only by the operator who made it:
the world's upload belongs to the segretariato operator, so even the coordinator gets 404.
"""

from __future__ import annotations

import time
from typing import Any

from intreccio.access.importer import ImportReport
from intreccio.access.tests.matrix_rules import _coordination_group
from intreccio.access.views_import import _write_meta
from intreccio.accounts.models import Role
from tests.matrix import Rule, World

IMPORTERS = frozenset({Role.SEGRETARIATO.value, Role.COORDINATOR.value})
OWNER = frozenset({Role.SEGRETARIATO.value})


def _upload(w: World) -> dict[str, Any]:
    _coordination_group(w)
    if "import_token" not in w.objects:
        token = f"matrix-{w.operators[Role.SEGRETARIATO].pk}-{time.monotonic_ns()}"
        report = ImportReport(rows=1, errors_total=0)
        _write_meta(
            token,
            {
                "operator": w.operators[Role.SEGRETARIATO].pk,
                "name": "elenco.csv",
                "sha256": "",
                "report": report.as_dict(),
            },
        )
        w.objects["import_token"] = token
    return {"token": w.objects["import_token"]}


def _importers(w: World) -> dict[str, Any]:
    return _coordination_group(w)


RULES: dict[str, Rule] = {
    "access:import_upload": Rule(roles=IMPORTERS, kwargs=_importers),
    "access:import_review": Rule(roles=OWNER, kwargs=_upload, note="only the operator who uploaded the file"),
    "access:import_report": Rule(roles=OWNER, kwargs=_upload, note="CSV download of the uploader's own report"),
    "access:import_confirm": Rule(roles=OWNER, kwargs=_upload, get=False),
}
