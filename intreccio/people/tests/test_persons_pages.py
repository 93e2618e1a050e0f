"""The person pages as each role sees them: search, registration with its refusals, detail, edit.

Alice (segretariato, Comune di Cremona) registers people; Carol (segretariato, Comune di Crema)
works in another organisation; Dario is an administrator, who administers accounts, not people.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from intreccio.accounts.models import Operator, Organisation, Role
from intreccio.accounts.tests.factories import AmbitoFactory, OrganisationFactory, StructureFactory, operator_with_role
from intreccio.audit.models import AccessEvent
from intreccio.people.forms_persons import parse_day_first_date
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory
from intreccio.territory.models import Comune
from intreccio.territory.tests.factories import ComuneFactory

SEARCH = reverse("people:person_search")
RESULTS = reverse("people:person_search_results")
CREATE = reverse("people:person_create")


@pytest.fixture
def cremona(db: None) -> Organisation:
    ambito = AmbitoFactory.create(code="CR", name="Ambito Cremonese")
    return OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)


@pytest.fixture
def comune_cremona(cremona: Organisation) -> Comune:
    return ComuneFactory.create(
        istat_code="019036", belfiore_code="D150", name="Cremona", province_code="CR", ambito=cremona.ambito
    )


@pytest.fixture
def alice(cremona: Organisation) -> Operator:
    return operator_with_role(Role.SEGRETARIATO, structure=StructureFactory.create(organisation=cremona))


@pytest.fixture
def carol(cremona: Organisation) -> Operator:
    crema = OrganisationFactory.create(name="Comune di Crema", ambito=cremona.ambito)
    return operator_with_role(Role.SEGRETARIATO, structure=StructureFactory.create(organisation=crema))


@pytest.fixture
def mario(cremona: Organisation) -> Person:
    return PersonFactory.create(
        first_name="Mario",
        last_name="Rossi",
        fiscal_code="RSSMRA80A01D150J",
        birth_date=datetime.date(1980, 1, 1),
        phone="0372 999888",
        registered_by=cremona,
    )


def _client(operator: Operator) -> Client:
    """Signed in, with the interface in English so the tests read the msgids, not the Italian catalogue."""
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"last_name": "Rossi", "first_name": "Mario", "fiscal_code": "RSSMRA80A01D150J"}
    data.update(overrides)
    return data


# --- who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(Role.values))
def test_each_role_is_let_in_or_gets_404(role: str, cremona: Organisation, mario: Person) -> None:
    client = _client(operator_with_role(role, structure=StructureFactory.create(organisation=cremona)))
    readers = {"segretariato", "social_worker", "case_manager", "cpi_operator", "educator", "health_specialist",
               "provider_operator", "coordinator"}  # fmt: skip
    writers = {"segretariato", "social_worker", "case_manager", "coordinator"}
    expected_read = 200 if role in readers else 404
    expected_write = 200 if role in writers else 404
    assert client.get(SEARCH, {"q": "rossi"}).status_code == expected_read
    assert client.get(RESULTS, {"q": "rossi"}).status_code == expected_read
    assert client.get(reverse("people:person_detail", args=[mario.pk])).status_code == expected_read
    assert client.get(CREATE).status_code == expected_write
    assert client.get(reverse("people:person_update", args=[mario.pk])).status_code == expected_write
    assert client.post(CREATE, _form(fiscal_code="BNCLRA85T48D150X")).status_code in {expected_write, 302}


def test_another_organisation_gets_404_on_the_page_and_a_contact_in_the_search(carol: Operator, mario: Person) -> None:
    client = _client(carol)
    assert client.get(reverse("people:person_detail", args=[mario.pk])).status_code == 404
    assert client.get(reverse("people:person_update", args=[mario.pk])).status_code == 404
    body = client.get(SEARCH, {"q": "rossi"}).content.decode()
    assert "Known to the network — contact: Comune di Cremona" in body
    for secret in ("Mario", "RSSMRA80A01D150J", "01/01/1980", "0372", reverse("people:person_detail", args=[mario.pk])):
        assert secret not in body.split('id="person-search-results"')[1], secret


# --- search -----------------------------------------------------------------------------------


def test_the_empty_search_explains_itself(alice: Operator) -> None:
    body = _client(alice).get(SEARCH).content.decode()
    assert "How to search" in body
    assert 'hx-get="/persone/risultati/"' in body


def test_search_finds_and_links(alice: Operator, mario: Person) -> None:
    body = _client(alice).get(SEARCH, {"q": "mario rosis"}).content.decode()
    assert reverse("people:person_detail", args=[mario.pk]) in body
    assert "01/01/1980" in body


def test_nobody_found_offers_registration(alice: Operator) -> None:
    body = _client(alice).get(RESULTS, {"q": "Zzyzx"}).content.decode()
    assert "Nobody found" in body
    assert CREATE in body


def test_the_htmx_fragment_pushes_the_page_url(alice: Operator, mario: Person) -> None:
    response = _client(alice).get(RESULTS, {"q": "rossi"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Push-Url"] == SEARCH + "?q=rossi"
    assert "<html" not in response.content.decode()


# --- registration -----------------------------------------------------------------------------


def test_registration_reads_the_code_and_redirects_to_the_person(alice: Operator, comune_cremona: Comune) -> None:
    response = _client(alice).post(CREATE, _form(target_groups=["poverty"], residence_comune=comune_cremona.pk))
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:person_detail", args=[person.pk])
    assert person.birth_comune == comune_cremona and person.residence_comune == comune_cremona


def test_a_comune_outside_the_ambito_is_typed_by_name_or_istat_code(alice: Operator, comune_cremona: Comune) -> None:
    milano = ComuneFactory.create(istat_code="015146", belfiore_code="F205", name="Milano", province_code="MI")
    _client(alice).post(CREATE, _form(residence_comune_other="milano", domicile_comune_other="015146"))
    person = Person.objects.get()
    assert person.residence_comune == milano and person.domicile_comune == milano


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"fiscal_code": "RSSMRA80A01D150K"}, "fiscal_code", "check letter"),
        ({"birth_date": "01/01/2100", "fiscal_code": "", "no_fiscal_code_reason": "unknown"}, "birth_date", "future"),
        ({"birth_date": "31/04/1980", "fiscal_code": "", "no_fiscal_code_reason": "unknown"}, "birth_date", "30 days"),
        (
            {"birth_date": "29/02/2023", "fiscal_code": "", "no_fiscal_code_reason": "unknown"},
            "birth_date",
            "not a leap year",
        ),
        ({"sex": "F"}, "sex", "different sex"),
        ({"birth_date": "02/01/1980"}, "birth_date", "01/01/"),
        ({"residence_comune_other": "Atlantide"}, "residence_comune_other", "No comune"),
        ({"fiscal_code": ""}, "fiscal_code", "why the person has none"),
    ],
)
def test_refusals_are_shown_on_their_field(
    alice: Operator, comune_cremona: Comune, data: dict[str, str], field: str, message: str
) -> None:
    response = _client(alice).post(CREATE, _form(**data))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert "Nothing was saved" in response.content.decode()
    assert not Person.objects.exists()


def test_a_probable_duplicate_comes_back_with_the_candidates(
    alice: Operator, carol: Operator, cremona: Organisation
) -> None:
    visible = PersonFactory.create(first_name="Anna", last_name="Verdi", birth_date=datetime.date(1975, 3, 3),
                                   registered_by=cremona)  # fmt: skip
    data = _form(last_name="Verdi", first_name="Anna", fiscal_code="", no_fiscal_code_reason="unknown",
                 birth_date="03/03/1975")  # fmt: skip
    # Carol, at another organisation, sees only that the network knows someone like her.
    response = _client(carol).post(CREATE, data)
    body = response.content.decode()
    assert "This person may already be registered" in body
    assert "Known to the network — contact: Comune di Cremona" in body
    assert reverse("people:person_detail", args=[visible.pk]) not in body
    # Alice sees the record and may open it.
    response = _client(alice).post(CREATE, data)
    assert reverse("people:person_detail", args=[visible.pk]) in response.content.decode()
    assert Person.objects.count() == 1
    # Having checked, she confirms it is someone else.
    response = _client(alice).post(CREATE, {**data, "confirm_not_duplicate": "on"})
    assert response.status_code == 302
    assert Person.objects.count() == 2


# --- person page and edit ---------------------------------------------------------------------


def test_the_person_page_shows_the_registry_and_records_the_read(alice: Operator, mario: Person) -> None:
    body = _client(alice).get(reverse("people:person_detail", args=[mario.pk])).content.decode()
    assert "RSSMRA80A01D150J" in body and "01/01/1980" in body
    assert "Not in a household yet" in body
    assert AccessEvent.objects.filter(object_id=str(mario.pk), section="registry").count() == 1


def test_a_protected_person_is_flagged(alice: Operator, cremona: Organisation) -> None:
    person = PersonFactory.create(first_name="Stella", last_name="Alpina", registered_by=cremona,
                                  no_fiscal_code_reason="protected_pseudonym")  # fmt: skip
    body = _client(alice).get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert 'id="protected-person"' in body


def test_edit_saves_with_the_version(alice: Operator, mario: Person) -> None:
    url = reverse("people:person_update", args=[mario.pk])
    response = _client(alice).post(url, _form(phone="0372 111", version=1))
    assert response.status_code == 302
    mario.refresh_from_db()
    assert (mario.phone, mario.version) == ("0372 111", 2)


def test_a_stale_edit_shows_the_conflict_and_keeps_what_was_typed(alice: Operator, mario: Person) -> None:
    url = reverse("people:person_update", args=[mario.pk])
    client = _client(alice)
    client.post(url, _form(phone="0372 111", version=1))
    response = client.post(url, _form(phone="0372 222", version=1))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else saved this person" in body
    assert "0372 111" in body and 'value="0372 222"' in body
    assert response.context["form"]["version"].value() == "2"
    mario.refresh_from_db()
    assert mario.phone == "0372 111"
    # Saving again is a deliberate overwrite.
    assert client.post(url, _form(phone="0372 222", version=2)).status_code == 302


# --- query counts stay flat -------------------------------------------------------------------

AUDIT_TABLES = ("audit_", "SAVEPOINT", "RELEASE SAVEPOINT")


def _non_audit(captured: list[dict[str, Any]]) -> int:
    return sum(1 for q in captured if not any(t in q["sql"] for t in AUDIT_TABLES))


@pytest.mark.parametrize("count", [3, 30])
def test_search_fragment_queries_do_not_grow(
    count: int, alice: Operator, cremona: Organisation, django_assert_max_num_queries: Any
) -> None:
    for i in range(count):
        PersonFactory.create(
            last_name=f"Rossi{i:02d}", registered_by=cremona if i % 2 else OrganisationFactory.create()
        )
    client = _client(alice)
    with django_assert_max_num_queries(20) as captured:
        response = client.get(RESULTS, {"q": "rossi"})
    assert response.status_code == 200
    # Reading: a fixed number of queries whatever the number of hits (session, membership, search, visibility).
    assert _non_audit(captured.captured_queries) <= 12
    # Writing the trail: one insert for all the hits, whatever their number.
    assert sum(1 for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "audit_accessevent"')) == 1
    # One access row per hit shown, and never more hits than the page shows.
    shown = min(count, 25)
    assert AccessEvent.objects.filter(section="search_result").count() == shown


@pytest.mark.parametrize("count", [3, 30])
def test_person_page_queries_do_not_grow(
    count: int, alice: Operator, cremona: Organisation, django_assert_max_num_queries: Any
) -> None:
    PersonFactory.create_batch(count, registered_by=cremona)
    person = PersonFactory.create(registered_by=cremona, last_name="Rossi")
    client = _client(alice)
    with django_assert_max_num_queries(22):
        assert client.get(reverse("people:person_detail", args=[person.pk])).status_code == 200


# --- the date field ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["29/02/2023", "31/04/1980", "00/00/0000", "31/12/1899", "01/13/1980", "1/1/80",
                                   "45000", "٠١/٠١/١٩٨٠"])  # fmt: skip
def test_impossible_dates_are_refused(typed: str) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        parse_day_first_date(typed)


@pytest.mark.parametrize(("typed", "date"), [("29/02/2024", datetime.date(2024, 2, 29)),
                                             (" 1/2/1980 ", datetime.date(1980, 2, 1)),
                                             ("01.02.2100", datetime.date(2100, 2, 1))])  # fmt: skip
def test_real_dates_are_read_day_first(typed: str, date: datetime.date) -> None:
    assert parse_day_first_date(typed) == date


@hypothesis_settings(max_examples=300)
@given(
    st.one_of(
        st.text(max_size=20),
        st.builds(
            "{:02d}/{:02d}/{:04d}".format,
            st.integers(0, 40),
            st.integers(0, 14),
            st.integers(0, 9999),
        ),
    )
)
def test_any_typed_date_is_a_real_date_or_a_field_error(typed: str) -> None:
    from django.core.exceptions import ValidationError

    try:
        date = parse_day_first_date(typed)
    except ValidationError as exc:
        assert exc.messages[0]
        return
    assert isinstance(date, datetime.date)
    assert date.year >= 1900
    assert date.strftime("%d/%m/%Y") == "{:02d}/{:02d}/{:04d}".format(
        *map(int, "".join(typed.split()).replace(".", "/").replace("-", "/").split("/"))
    )
