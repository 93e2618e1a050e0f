"""R4: every successful read of personal data writes its access record, and fails without it.

The crawl asks every URL of the project as every role the matrix allows, each request with its
own request id. A page that answers 200 must have written at least one access record carrying
that request id, unless it is declared below as reading no personal data (the operator's own
account, the catalogue, forms that show nothing yet…). Then the database itself is made to refuse
access records (a trigger, as a full disk or a revoked grant would): every page that recorded a
read must now answer 503, and the pages that read nothing keep working.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from intreccio.audit.models import AccessEvent
from tests.matrix import Rule, World, build_world, collect_rules, iter_url_patterns

RULES = collect_rules()
URL_NAMES = sorted({name for name, _route in iter_url_patterns()})

# Pages that read no personal data of the persons the network serves, each with why. A new page
# that answers 200 without an access record fails the test until it records or is listed here.
_OWN_ACCOUNT = "the operator's own account and login settings"
_EMPTY_FORM = "a form that shows nothing of anyone until it is filled in"
_NO_QUERY = "a search that records every hit; without a query it reads nothing"
_CATALOGUE = "the catalogue of services and packages: no person in it"
_ACCOUNTS = "operators' accounts, administered by the ambito's administrator; every change is in the domain log"
NOT_PERSONAL: dict[str, str] = {
    "home": "the operator's home page: their roles and teams",
    "healthz": "liveness probe",
    **dict.fromkeys(
        (
            "account_logout",
            "account_reauthenticate",
            "account_email",
            "account_change_password",
            "account_inactive",
            "account_email_verification_sent",
            "account_confirm_email",
            "account_reset_password",
            "account_reset_password_done",
            "account_reset_password_from_key",
            "account_reset_password_from_key_done",
            "mfa_index",
            "mfa_reauthenticate",
        ),
        _OWN_ACCOUNT,
    ),
    **dict.fromkeys(
        (
            "people:person_create",
            "people:household_create",
            "access:intake_create",
            "access:import_upload",
            "breakglass:grant_request",
            "meetings:mediator_create",
            "retention:hold_place",
            "catalogue:service_create",
            "catalogue:package_create",
        ),
        _EMPTY_FORM,
    ),
    **dict.fromkeys(("people:person_search", "people:person_search_results", "access:person_search"), _NO_QUERY),
    **dict.fromkeys(
        (
            "catalogue:service_list",
            "catalogue:service_update",
            "catalogue:package_list",
            "catalogue:package_detail",
            "catalogue:package_update",
            "catalogue:package_item_add",
            "catalogue:package_approve",
        ),
        _CATALOGUE,
    ),
    **dict.fromkeys(
        (
            "accounts:operator_list",
            "accounts:operator_detail",
            "accounts:operator_create",
            "accounts:operator_update",
            "accounts:membership_add",
            "accounts:organisation_list",
            "accounts:organisation_detail",
            "accounts:organisation_create",
            "accounts:organisation_update",
            "accounts:structure_create",
            "accounts:structure_update",
            "accounts:team_list",
            "accounts:team_detail",
            "accounts:team_create",
        ),
        _ACCOUNTS,
    ),
    "territory:ambito_list": "ambiti and comuni: public administrative data",
    "territory:ambito_detail": "ambiti and comuni: public administrative data",
    "oversight:controller": "the designation of the data controller and its DPO contact",
    "history:row_changes": "without a row it lists tables and counts only; a row's changes are recorded against it",
    "cases:intake_case_link": "the number of the case an intake became, for the coordination queue (htmx)",
}


def _crawl(world: World) -> Iterator[tuple[str, str, str, int, bool]]:
    """(url name, role, url, status, recorded) for every GET the matrix allows."""
    for role, operator in sorted(world.operators.items()):
        client = Client()
        client.force_login(operator)
        for name in URL_NAMES:
            rule: Rule = RULES[name]
            if not rule.get or role not in rule.roles or 200 not in rule.ok_status:
                continue
            url = reverse(name, kwargs=rule.kwargs(world) if rule.kwargs else {})
            request_id = uuid.uuid4().hex
            response = client.get(url, HTTP_X_REQUEST_ID=request_id)
            recorded = AccessEvent.objects.filter(request_id=request_id).exists()
            yield name, role, url, response.status_code, recorded


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def test_the_list_of_pages_without_personal_data_names_real_urls() -> None:
    assert set(NOT_PERSONAL) <= set(URL_NAMES), set(NOT_PERSONAL) - set(URL_NAMES)


def test_every_read_is_recorded_and_none_happens_without_its_record(world: World) -> None:
    crawl = list(_crawl(world))
    missing = sorted(
        {f"{name} as {role}" for name, role, _url, status, recorded in crawl if status == 200 and not recorded}
        - {f"{name} as {role}" for name in NOT_PERSONAL for role in world.operators}
    )
    assert not missing, "Pages answering 200 without an access record:\n" + "\n".join(missing)
    # Then the database refuses access records: every page that recorded a read must now fail.
    recorded = [(name, role, url) for name, role, url, status, rec in crawl if status == 200 and rec]
    assert len(recorded) > 100
    first_role_per_url: dict[str, tuple[str, str]] = {}
    for name, role, url in recorded:
        first_role_per_url.setdefault(name, (role, url))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER r4_refuse BEFORE INSERT ON audit_accessevent BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION r4_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER r4_refuse BEFORE INSERT ON audit_accessevent FOR EACH ROW EXECUTE FUNCTION r4_refuse()"
            )
    failures = []
    for name, (role, url) in sorted(first_role_per_url.items()):
        client = Client()
        client.force_login(world.operators[role])
        status = client.get(url).status_code
        if status != 503:
            failures.append(f"{name} as {role} ({url}): {status} instead of 503")
    # Pages that read nothing personal keep working.
    client = Client()
    client.force_login(world.operators["social_worker"])
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("catalogue:service_list")).status_code == 200
    assert not failures, "Reads served although their access record could not be written:\n" + "\n".join(failures)
