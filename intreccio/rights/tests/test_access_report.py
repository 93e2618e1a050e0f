"""R7: the person's access report lists exactly the recorded reads of their record, flags
break-the-glass reads, and is itself recorded after its rows are collected."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from intreccio.accounts.models import Role
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.audit.services import record_access
from intreccio.rights import selectors, services
from intreccio.rights.models import DataSubjectRequest, RequestKind
from intreccio.rights.tests.conftest import World, client_for

EMERGENCY_PURPOSE = "break_the_glass: case_detail"


def pdf_text(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(content)
        # A fixed argument list with a path we made: no shell, no outside input.
        return subprocess.run(  # noqa: S603
            ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout


def _reads(world: World) -> None:
    """Reads through the real pages, by several operators; one break-the-glass read by Hugo."""
    net = world.net
    alice, bob = client_for(net.alice), client_for(net.bob)
    assert alice.get(reverse("people:person_detail", args=[world.giulia.pk])).status_code == 200
    assert alice.get(reverse("people:household_detail", args=[world.household.pk])).status_code == 200
    assert alice.get(reverse("access:intake_detail", args=[net.intake.pk])).status_code == 200
    assert bob.get(reverse("cases:case_detail", args=[world.case.pk])).status_code == 200
    # The emergency read, as cases.permissions.access_purpose writes it for a break-the-glass grant.
    record_access(actor=net.hugo, obj=world.case, request=net.request(net.hugo), purpose=EMERGENCY_PURPOSE)
    # Reads of Marco and of his case are his, not Giulia's.
    assert alice.get(reverse("people:person_detail", args=[world.marco.pk])).status_code == 200
    assert client_for(net.dario).get(reverse("cases:case_detail", args=[world.marco_case.pk])).status_code == 200


def _expected(world: World, dsr: DataSubjectRequest) -> list[int]:
    """The access rows of Giulia's record, written out by hand (not through the report's walk)."""
    keys = [
        ("people.person", world.giulia.pk),
        ("people.household", world.household.pk),
        ("access.intake", world.net.intake.pk),
        ("cases.case", world.case.pk),
        ("rights.datasubjectrequest", dsr.pk),
    ]
    condition = Q(pk__in=[])
    for object_type, pk in keys:
        condition |= Q(object_type=object_type, object_id=str(pk))
    return list(AccessEvent.objects.filter(condition).order_by("seq").values_list("pk", flat=True))


def test_the_report_equals_the_access_rows(world: World) -> None:
    _reads(world)
    dsr = world.record(RequestKind.ACCESS_REPORT)
    carla = client_for(world.net.carla)
    assert carla.get(reverse("rights:request_detail", args=[dsr.pk])).status_code == 200
    expected = _expected(world, dsr)
    marco_reads = AccessEvent.objects.filter(
        Q(object_type="people.person", object_id=str(world.marco.pk))
        | Q(object_type="cases.case", object_id=str(world.marco_case.pk))
    )
    assert marco_reads.exists()

    report = selectors.access_report(request=world.net.request(world.net.carla), pk=dsr.pk)

    assert [row.event.pk for row in report.rows] == expected
    assert len(report.rows) == len(expected) >= 6
    assert not {row.event.pk for row in report.rows} & set(marco_reads.values_list("pk", flat=True))
    # Producing the report is recorded afterwards: it is not among its own rows.
    last = AccessEvent.objects.order_by("-seq").first()
    assert last is not None and last.pk not in expected
    assert (last.object_type, last.object_id, last.section) == ("people.person", str(world.giulia.pk), "access_report")
    assert last.actor == world.net.carla
    # The next report has that row too.
    again = selectors.access_report(request=world.net.request(world.net.carla), pk=dsr.pk)
    assert [row.event.pk for row in again.rows] == [*expected, last.pk]


def test_a_break_the_glass_read_appears_flagged(world: World) -> None:
    _reads(world)
    dsr = world.record(RequestKind.ACCESS_REPORT)
    report = selectors.access_report(request=world.net.request(world.net.carla), pk=dsr.pk)
    flagged = [row for row in report.rows if row.emergency]
    assert [row.event.actor for row in flagged] == [world.net.hugo]
    assert flagged[0].event.purpose == EMERGENCY_PURPOSE
    assert report.emergency_count == 1
    assert all(not row.emergency for row in report.rows if row.event.actor != world.net.hugo)

    html = client_for(world.net.carla).get(reverse("rights:access_report", args=[dsr.pk])).content.decode()
    assert html.count("emergency-flag") == 1
    assert "Emergency access" in html


def test_the_printed_report_is_italian_and_names_who_read(world: World) -> None:
    _reads(world)
    dsr = world.record(RequestKind.ACCESS_REPORT)
    response = client_for(world.net.carla).get(reverse("rights:access_report_pdf", args=[dsr.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "Chi ha consultato i suoi dati" in text
    assert "Ferrari Giulia" in text
    assert "ACCESSO IN EMERGENZA" in text
    assert "Centro per l'Impiego" in text and "ASST" in text  # Bob's and Hugo's organisations
    with translation.override("it"):
        assert str(Role.HEALTH_SPECIALIST.label) in text
    assert "Ferrari Marco" not in text
    event = DomainEvent.objects.get(action=services.REPORT_GENERATED, target_id=str(dsr.pk))
    assert event.payload["emergency"] == 1
    assert event.payload["rows"] == len(_expected(world, dsr)) - 1  # the print's own read came after


@pytest.mark.parametrize("who", ["alice", "bob", "olga", "hugo"])
def test_only_the_coordination_group_produces_the_report(world: World, who: str) -> None:
    dsr = world.record(RequestKind.ACCESS_REPORT)
    before = AccessEvent.objects.count()
    client = client_for(getattr(world.net, who))
    assert client.get(reverse("rights:access_report", args=[dsr.pk])).status_code == 404
    assert client.get(reverse("rights:access_report_pdf", args=[dsr.pk])).status_code == 404
    assert AccessEvent.objects.count() == before


def test_no_report_for_a_rectification(world: World) -> None:
    dsr = world.record(RequestKind.RECTIFICATION)
    assert client_for(world.net.carla).get(reverse("rights:access_report", args=[dsr.pk])).status_code == 404
