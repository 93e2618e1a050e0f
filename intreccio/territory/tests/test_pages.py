"""The territory pages: only the ambito's own administrator, acting in that role, sees them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import (
    AmbitoFactory,
    MembershipFactory,
    OrganisationFactory,
    StructureFactory,
    operator_with_role,
)
from intreccio.territory.models import Ambito
from intreccio.territory.services import ambito_assign_comuni
from intreccio.territory.tests.factories import ComuneFactory, SubAmbitoFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "territory"


def _admin_of(ambito: Ambito, **kwargs: object) -> Operator:
    structure = StructureFactory.create(organisation=OrganisationFactory.create(ambito=ambito))
    return operator_with_role(Role.ADMINISTRATOR, structure=structure, **kwargs)


def _client(operator: Operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def cremonese() -> Ambito:
    ambito = AmbitoFactory.create(code="CREMONESE", name="Ambito territoriale Cremonese")
    sub_ambito = SubAmbitoFactory.create(ambito=ambito, name="Cremona città")
    ambito_assign_comuni(
        ambito=ambito,
        comuni=[ComuneFactory.create(name="Cremona", istat_code="998036", belfiore_code="Y950")],
        sub_ambito=sub_ambito,
    )
    ambito_assign_comuni(ambito=ambito, comuni=[ComuneFactory.create(name="Sospiro")])
    return ambito


def test_administrator_sees_their_ambito_with_its_comuni(cremonese: Ambito) -> None:
    response = _client(_admin_of(cremonese)).get(reverse("territory:ambito_detail", kwargs={"pk": cremonese.pk}))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Ambito territoriale Cremonese", "Cremona città", "Cremona", "Sospiro", "998036", "Y950"):
        assert text in body
    assert [c.name for c in response.context["comuni"]] == ["Cremona", "Sospiro"]


def test_templates_have_no_inline_style_or_script() -> None:
    """The content security policy forbids inline styles and scripts."""
    for path in TEMPLATES.glob("*.html"):
        source = path.read_text()
        assert "style=" not in source, path
        assert "<script" not in source, path


def test_list_shows_only_the_administrators_ambito(cremonese: Ambito) -> None:
    AmbitoFactory.create(name="Ambito Cremasco")
    response = _client(_admin_of(cremonese)).get(reverse("territory:ambito_list"))
    assert response.status_code == 200
    assert [a.pk for a in response.context["ambiti"]] == [cremonese.pk]
    assert response.context["ambiti"][0].comuni_count == 2
    assert "Ambito Cremasco" not in response.content.decode()


def test_administrator_of_another_ambito_gets_404(cremonese: Ambito) -> None:
    carol = _admin_of(AmbitoFactory.create(name="Ambito Cremasco"))
    response = _client(carol).get(reverse("territory:ambito_detail", kwargs={"pk": cremonese.pk}))
    assert response.status_code == 404


def test_missing_ambito_gets_the_same_404(cremonese: Ambito) -> None:
    response = _client(_admin_of(cremonese)).get(reverse("territory:ambito_detail", kwargs={"pk": 999999}))
    assert response.status_code == 404


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.ADMINISTRATOR}))
def test_other_roles_of_the_same_ambito_get_404(cremonese: Ambito, role: str) -> None:
    structure = StructureFactory.create(organisation=OrganisationFactory.create(ambito=cremonese))
    client = _client(operator_with_role(role, structure=structure))
    assert client.get(reverse("territory:ambito_list")).status_code == 404
    assert client.get(reverse("territory:ambito_detail", kwargs={"pk": cremonese.pk})).status_code == 404


def test_administrator_acting_in_another_role_gets_404(cremonese: Ambito) -> None:
    """Capabilities follow the active membership, not the union of the operator's roles."""
    alice = _admin_of(cremonese, username="alice")
    social_service = StructureFactory.create(organisation=OrganisationFactory.create(ambito=cremonese))
    social_worker = MembershipFactory.create(operator=alice, structure=social_service, role=Role.SOCIAL_WORKER)
    client = _client(alice)
    url = reverse("territory:ambito_detail", kwargs={"pk": cremonese.pk})
    assert client.get(url).status_code == 200
    client.post(reverse("switch_role"), {"membership": social_worker.pk})
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(cremonese: Ambito, client: Client) -> None:
    response = client.get(reverse("territory:ambito_detail", kwargs={"pk": cremonese.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_detail_query_count_does_not_grow_with_the_comuni(cremonese: Ambito) -> None:
    client = _client(_admin_of(cremonese))
    url = reverse("territory:ambito_detail", kwargs={"pk": cremonese.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    sub_ambito = cremonese.sub_ambiti.get()
    ambito_assign_comuni(ambito=cremonese, comuni=[ComuneFactory.create() for _ in range(20)], sub_ambito=sub_ambito)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["comuni"]) == 22
    assert len(many.captured_queries) == len(few.captured_queries)
