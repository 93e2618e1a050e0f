"""The catalogue pages per role: who reads, who changes, what is refused and shown, query counts."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from intreccio.accounts.models import Operator, Organisation
from intreccio.accounts.tests.factories import StructureFactory, operator_with_role
from intreccio.audit.models import DomainEvent
from intreccio.catalogue.models import AssistancePackage, PackageItem, PackageStatus, Service
from intreccio.catalogue.tests.conftest import client_for
from intreccio.catalogue.tests.factories import PackageFactory, PackageItemFactory, ServiceFactory
from intreccio.territory.models import Ambito

pytestmark = pytest.mark.django_db


def _text(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _counts() -> tuple[int, int, int, int]:
    return (
        Service.objects.count(),
        AssistancePackage.objects.count(),
        PackageItem.objects.count(),
        DomainEvent.objects.count(),
    )


# --- who sees what ------------------------------------------------------------------------------


def test_readers_see_the_catalogue_without_management_links(bob: Operator, draft: AssistancePackage) -> None:
    client = client_for(bob)
    html = client.get(reverse("catalogue:service_list")).content.decode()
    assert "Assistenza domiciliare (SAD)" in html
    assert reverse("catalogue:service_create") not in html
    detail = client.get(reverse("catalogue:package_detail", args=[draft.pk]))
    assert detail.status_code == 200
    assert reverse("catalogue:package_item_add", args=[draft.pk]) not in detail.content.decode()
    assert client.get(reverse("catalogue:service_create")).status_code == 404
    assert client.get(reverse("catalogue:package_approve", args=[draft.pk])).status_code == 404
    before = _counts()
    assert client.post(reverse("catalogue:package_retire", args=[draft.pk])).status_code == 404
    assert _counts() == before


@pytest.mark.parametrize("who", ["adam", "franca"])
def test_administrators_and_auditors_get_404(who: str, azienda: Organisation, draft: AssistancePackage) -> None:
    role = "administrator" if who == "adam" else "auditor"
    operator = operator_with_role(role, structure=StructureFactory.create(organisation=azienda), username=who)
    client = client_for(operator)
    assert client.get(reverse("catalogue:service_list")).status_code == 404
    assert client.get(reverse("catalogue:package_list")).status_code == 404
    assert client.get(reverse("catalogue:package_detail", args=[draft.pk])).status_code == 404


def test_another_ambito_sees_nothing_of_ours(carol: Operator, draft: AssistancePackage, sad: Service) -> None:
    client = client_for(carol)
    assert "Assistenza domiciliare" not in client.get(reverse("catalogue:service_list")).content.decode()
    assert "Bassa occupabilità" not in client.get(reverse("catalogue:package_list")).content.decode()
    before = _counts()
    assert client.get(reverse("catalogue:package_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("catalogue:service_update", args=[sad.pk])).status_code == 404
    item = draft.items.first()
    assert item is not None
    assert client.post(reverse("catalogue:package_item_remove", args=[draft.pk, item.pk])).status_code == 404
    assert client.post(reverse("catalogue:package_new_version", args=[draft.pk])).status_code == 404
    assert _counts() == before


def test_an_item_of_another_package_is_404(paola: Operator, draft: AssistancePackage, ambito: Ambito) -> None:
    other = PackageItemFactory.create(package=PackageFactory.create(ambito=ambito))
    response = client_for(paola).post(reverse("catalogue:package_item_remove", args=[draft.pk, other.pk]))
    assert response.status_code == 404
    assert PackageItem.objects.filter(pk=other.pk).exists()


# --- the catalogue ------------------------------------------------------------------------------


def test_service_create_accepts_italian_amounts(paola: Operator, ambito: Ambito, cooperativa: Organisation) -> None:
    response = client_for(paola).post(
        reverse("catalogue:service_create"),
        {
            "code": "sil",
            "name": "Servizio inserimento lavorativo (SIL)",
            "area": "work",
            "unit": "month",
            "unit_cost": "1.250,50",
            "providers": [str(cooperativa.pk)],
            "is_work_path": "on",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get(code="SIL")
    assert service.unit_cost == Decimal("1250.50") and service.is_work_path
    assert list(service.providers.all()) == [cooperativa]


def test_service_form_refusals_stay_on_their_fields(paola: Operator, sad: Service) -> None:
    before = _counts()
    response = client_for(paola).post(
        reverse("catalogue:service_create"),
        {"code": "SAD", "name": "Doppione", "area": "elderly", "unit": "hour", "unit_cost": "-3"},
    )
    text = _text(response)
    assert response.status_code == 200
    assert "Nothing was saved." in text
    assert "Amounts cannot be negative." in text
    assert _counts() == before
    response = client_for(paola).post(
        reverse("catalogue:service_create"),
        {"code": "SAD", "name": "Doppione", "area": "elderly", "unit": "hour", "unit_cost": "12,00"},
    )
    assert "The code SAD is already used by “Assistenza domiciliare (SAD)”." in _text(response)
    assert _counts() == before


def test_service_update_and_deactivation(elena: Operator, counselling: Service) -> None:
    client = client_for(elena)
    url = reverse("catalogue:service_update", args=[counselling.pk])
    page = client.get(url)
    assert 'value="40,00"' in page.content.decode()
    response = client.post(
        url, {"code": "COUNS", "name": "Counseling", "area": "poverty", "unit": "hour", "unit_cost": "42"}
    )
    assert response.status_code == 302
    counselling.refresh_from_db()
    assert counselling.unit_cost == Decimal("42.00")
    client.post(url, {"deactivate": "1"})
    counselling.refresh_from_db()
    assert not counselling.is_active
    inactive = client.get(reverse("catalogue:service_list"), {"status": "inactive"})
    assert "Counseling" in _text(inactive)
    assert "Counseling" not in _text(client.get(reverse("catalogue:service_list")))


def test_deactivation_refused_is_explained(paola: Operator, draft: AssistancePackage, sad: Service) -> None:
    AssistancePackage.objects.filter(pk=draft.pk).update(
        status=PackageStatus.APPROVED, approved_by="Cabina di regia", approved_on=datetime.date(2026, 1, 10)
    )
    client = client_for(paola)
    response = client.post(reverse("catalogue:service_update", args=[sad.pk]), {"deactivate": "1"}, follow=True)
    assert "This service is in approved packages (PA-01 v1)" in _text(response)
    sad.refresh_from_db()
    assert sad.is_active


def test_amounts_are_written_the_italian_way(paola: Operator, sad: Service, draft: AssistancePackage) -> None:
    ServiceFactory.create(ambito=sad.ambito, name="Contributo economico", unit="lump_sum", unit_cost=Decimal("1234.56"))
    client = client_for(paola)
    client.cookies["django_language"] = "it"
    with translation.override("it"):
        html = client.get(reverse("catalogue:service_list")).content.decode()
        detail = client.get(reverse("catalogue:package_detail", args=[draft.pk])).content.decode()
    assert "€\u00a01.234,56" in html and "€\u00a022,50" in html
    assert "€\u00a02.000,00 – €\u00a06.000,00" in detail


# --- packages -----------------------------------------------------------------------------------


def test_package_life_through_the_pages(paola: Operator, ambito: Ambito, sad: Service, counselling: Service) -> None:
    client = client_for(paola)
    response = client.post(
        reverse("catalogue:package_create"),
        {
            "code": "pa-10",
            "name": "Media occupabilità, basso carico di cura",
            "employability": "medium",
            "care_load": "low",
            "intensity": "medium",
            "budget_min": "1.000",
            "budget_max": "3.500,00",
        },
    )
    package = AssistancePackage.objects.get(code="PA-10")
    assert response["Location"] == reverse("catalogue:package_detail", args=[package.pk])
    assert (package.budget_min, package.budget_max) == (Decimal("1000"), Decimal("3500"))

    # The detail page offers only services not in the package yet.
    detail = client.get(response["Location"]).content.decode()
    assert "Assistenza domiciliare (SAD)" in detail
    add = reverse("catalogue:package_item_add", args=[package.pk])
    client.post(add, {"service": sad.pk, "quantity": "4,5", "basis": "per_month", "is_mandatory": "on"})
    client.post(add, {"service": counselling.pk, "quantity": "10", "basis": "total"})
    items = {i.service.code: i for i in package.items.all()}
    assert items["SAD"].quantity == Decimal("4.5") and items["SAD"].is_mandatory
    assert not items["COUNS"].is_mandatory
    refused = client.post(add, {"service": sad.pk, "quantity": "1", "basis": "per_month"})
    assert "Choose an active service of the catalogue that is not in the package yet." in _text(refused)

    client.post(reverse("catalogue:package_item_remove", args=[package.pk, items["COUNS"].pk]))
    assert package.items.count() == 1

    approve = reverse("catalogue:package_approve", args=[package.pk])
    assert client.get(approve).status_code == 200
    response = client.post(approve, {"approved_by": "Cabina di regia – verbale n. 3", "approved_on": "10/02/2026"})
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.status == PackageStatus.APPROVED and package.approved_on == datetime.date(2026, 2, 10)

    # An approved version is not edited: its edit pages send back to the detail.
    update = client.get(reverse("catalogue:package_update", args=[package.pk]), follow=True)
    assert "Approved and retired versions are not edited" in _text(update)
    refused = client.post(reverse("catalogue:package_item_add", args=[package.pk]), {"service": counselling.pk})
    assert refused.status_code == 302 and package.items.count() == 1

    response = client.post(reverse("catalogue:package_new_version", args=[package.pk]))
    v2 = AssistancePackage.objects.get(code="PA-10", version=2)
    assert response["Location"] == reverse("catalogue:package_detail", args=[v2.pk])
    assert "Version 1" in _text(client.get(response["Location"]))

    client.post(reverse("catalogue:package_retire", args=[package.pk]))
    package.refresh_from_db()
    assert package.status == PackageStatus.RETIRED


def test_package_form_refusals(paola: Operator, draft: AssistancePackage) -> None:
    before = _counts()
    response = client_for(paola).post(
        reverse("catalogue:package_update", args=[draft.pk]),
        {
            "name": draft.name,
            "employability": "none",
            "care_load": "high",
            "intensity": "high",
            "budget_min": "5.000",
            "budget_max": "4.000",
        },
    )
    text = _text(response)
    assert "The maximum budget is lower than the minimum: check the two figures." in text
    assert "Without a work path the package cannot keep work-path services" in text
    assert _counts() == before


def test_approval_refusals_are_shown(paola: Operator, ambito: Ambito) -> None:
    empty = PackageFactory.create(ambito=ambito)
    response = client_for(paola).post(
        reverse("catalogue:package_approve", args=[empty.pk]),
        {"approved_by": "Cabina di regia", "approved_on": "31/02/2026"},
    )
    assert "31/02/2026 does not exist: February has 28 days." in _text(response)
    response = client_for(paola).post(
        reverse("catalogue:package_approve", args=[empty.pk]),
        {"approved_by": "Cabina di regia", "approved_on": "10/02/2026"},
    )
    assert "Add the package's services before approving it." in _text(response)
    empty.refresh_from_db()
    assert empty.is_draft


def test_package_list_shows_the_grid_of_approved_packages(bob: Operator, ambito: Ambito) -> None:
    PackageFactory.create(
        ambito=ambito,
        code="PA-T",
        name="Percorso terapeutico",
        employability="none",
        care_load="any",
        status="approved",
    )
    PackageFactory.create(ambito=ambito, code="PA-D", name="Bozza in lavorazione")
    text = _text(client_for(bob).get(reverse("catalogue:package_list")))
    assert "Percorso terapeutico" in text
    assert "The package for any care load applies" in text
    assert "No approved package" in text
    drafts = _text(client_for(bob).get(reverse("catalogue:package_list"), {"status": "draft"}))
    assert "Bozza in lavorazione" in drafts and "1 package version" in drafts


# --- query counts -------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_service_list_query_count_is_flat(paola: Operator, ambito: Ambito, cooperativa: Organisation) -> None:
    client = client_for(paola)
    url = reverse("catalogue:service_list")
    for _ in range(2):
        ServiceFactory.create(ambito=ambito).providers.set([cooperativa])
    few = _queries(client, url)
    for _ in range(20):
        ServiceFactory.create(ambito=ambito).providers.set([cooperativa])
    assert _queries(client, url) == few


def test_package_pages_query_counts_are_flat(paola: Operator, ambito: Ambito) -> None:
    client = client_for(paola)
    package = PackageFactory.create(ambito=ambito, code="PA-Q")
    PackageItemFactory.create(package=package)
    list_url = reverse("catalogue:package_list")
    detail_url = reverse("catalogue:package_detail", args=[package.pk])
    few_list, few_detail = _queries(client, list_url), _queries(client, detail_url)
    for n in range(12):
        other = PackageFactory.create(
            ambito=ambito,
            code=f"PA-{n:02d}",
            status="approved" if n < 2 else "draft",
            employability="high",
            care_load=["low", "high"][n % 2],
        )
        PackageItemFactory.create(package=other)
        PackageItemFactory.create(package=package)
    assert _queries(client, list_url) == few_list
    assert _queries(client, detail_url) == few_detail
