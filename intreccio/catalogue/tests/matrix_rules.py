"""Matrix rules for the services catalogue and the assistance packages (SECURITY.md R2).

Every role that works on cases reads the catalogue of its ambito; programme officers and
coordinators keep it; administrators and auditors get 404. The world holds one service and a
draft package with one item, so the edit pages of a draft answer 200 to the managers.
"""

from __future__ import annotations

from typing import Any

from intreccio.catalogue.models import AssistancePackage, PackageItem, Service
from intreccio.catalogue.permissions import MANAGER_ROLES, READER_ROLES
from intreccio.catalogue.tests.factories import PackageFactory, PackageItemFactory, ServiceFactory
from tests.matrix import Rule, World

READERS = frozenset(r.value for r in READER_ROLES)
MANAGERS = frozenset(r.value for r in MANAGER_ROLES)


def _service(w: World) -> Service:
    if "catalogue_service" not in w.objects:
        w.objects["catalogue_service"] = ServiceFactory.create(
            ambito=w.ambito, code="SAD", name="Assistenza domiciliare"
        )
    service: Service = w.objects["catalogue_service"]
    return service


def _item(w: World) -> PackageItem:
    if "catalogue_item" not in w.objects:
        package = PackageFactory.create(ambito=w.ambito, code="PA-M")
        w.objects["catalogue_item"] = PackageItemFactory.create(package=package, service=_service(w))
    item: PackageItem = w.objects["catalogue_item"]
    return item


def _package(w: World) -> AssistancePackage:
    return _item(w).package


def _service_pk(w: World) -> dict[str, Any]:
    return {"pk": _service(w).pk}


def _package_pk(w: World) -> dict[str, Any]:
    return {"pk": _package(w).pk}


RULES: dict[str, Rule] = {
    "catalogue:service_list": Rule(roles=READERS),
    "catalogue:service_create": Rule(roles=MANAGERS),
    "catalogue:service_update": Rule(roles=MANAGERS, kwargs=_service_pk),
    "catalogue:package_list": Rule(roles=READERS, kwargs=lambda w: (_package(w), {})[1]),
    "catalogue:package_detail": Rule(roles=READERS, kwargs=_package_pk),
    "catalogue:package_create": Rule(roles=MANAGERS),
    "catalogue:package_update": Rule(roles=MANAGERS, kwargs=_package_pk),
    "catalogue:package_item_add": Rule(roles=MANAGERS, kwargs=_package_pk),
    "catalogue:package_item_remove": Rule(
        roles=MANAGERS, kwargs=lambda w: {"pk": _package(w).pk, "item_pk": _item(w).pk}, get=False
    ),
    "catalogue:package_approve": Rule(roles=MANAGERS, kwargs=_package_pk),
    "catalogue:package_retire": Rule(roles=MANAGERS, kwargs=_package_pk, get=False),
    "catalogue:package_new_version": Rule(roles=MANAGERS, kwargs=_package_pk, get=False),
}
