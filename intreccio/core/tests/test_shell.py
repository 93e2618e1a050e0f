"""The interface shell: security headers on every URL, CSP-safe templates, role switcher, home per role."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from intreccio.accounts.models import Membership, Role
from intreccio.accounts.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OperatorFactory,
    StructureFactory,
    TeamMemberFactory,
    operator_with_role,
)
from tests.matrix import World, build_world, collect_rules, iter_url_patterns

RULES = collect_rules()
URL_NAMES = sorted({name for name, _route in iter_url_patterns()})


def _url(name: str, world: World) -> str:
    rule = RULES.get(name)
    kwargs = rule.kwargs(world) if rule is not None and rule.kwargs else {}
    return reverse(name, kwargs=kwargs)


def _assert_security_headers(url: str, response) -> None:
    csp = response.get("Content-Security-Policy", "")
    assert csp, f"{url}: no Content-Security-Policy"
    assert "unsafe-inline" not in csp, f"{url}: {csp}"
    assert "unsafe-eval" not in csp, f"{url}: {csp}"
    assert "frame-ancestors 'none'" in csp, f"{url}: {csp}"
    assert response.get("X-Content-Type-Options") == "nosniff", url
    assert response.get("Referrer-Policy") == "same-origin", url
    assert response.get("X-Frame-Options") == "DENY", url
    assert "no-store" in response.get("Cache-Control", ""), url


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.mark.parametrize("who", ["anonymous", "operator"])
def test_security_headers_on_every_url(who: str, world: World) -> None:
    client = Client()
    if who == "operator":
        client.force_login(world.operators[Role.SOCIAL_WORKER])
    for name in URL_NAMES:
        url = _url(name, world)
        _assert_security_headers(url, client.get(url))


def test_security_headers_on_error_pages(client: Client, world: World) -> None:
    client.force_login(world.operators[Role.SOCIAL_WORKER])
    response = client.get("/this-page-does-not-exist/")
    assert response.status_code == 404
    _assert_security_headers("404", response)


# --- templates are CSP-safe -----------------------------------------------------------------

BASE_DIR = Path(settings.BASE_DIR)
PROJECT_TEMPLATE_DIRS = [BASE_DIR / "templates", *(BASE_DIR / "intreccio").glob("*/templates")]
INLINE_STYLE = re.compile(r"""<[^>]*\sstyle\s*=""", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


def _template_files() -> list[Path]:
    return sorted(path for directory in PROJECT_TEMPLATE_DIRS for path in directory.rglob("*.html"))


def test_there_are_templates_to_scan() -> None:
    assert len(_template_files()) > 10


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_template_has_no_inline_style_script_or_handler(path: Path) -> None:
    # Template comments may talk about what they avoid; only the markup counts.
    text = TEMPLATE_COMMENT.sub("", path.read_text(encoding="utf-8"))
    assert not INLINE_STYLE.search(text), f"{path}: style= attribute (CSP style-src 'self')"
    assert not INLINE_HANDLER.search(text), f"{path}: on…= event handler (CSP script-src 'self')"
    assert "<style" not in text.lower(), f"{path}: <style> element"
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        # JSON data blocks (json_script) are not executed; anything else must load a file.
        assert "src=" in attrs or 'type="application/json"' in attrs, f"{path}: inline <script>"


def test_the_scanner_catches_what_it_looks_for() -> None:
    assert INLINE_STYLE.search('<div class="x" style="color:red">')
    assert INLINE_HANDLER.search('<button onclick="go()">')
    assert not INLINE_HANDLER.search('<a href="/x" data-bs-toggle="collapse">')


# --- role switcher ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_role_switcher_changes_the_active_membership(client: Client) -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER)
    second = MembershipFactory.create(operator=operator, role=Role.COORDINATOR, structure=StructureFactory.create())
    client.force_login(operator)
    page = client.get(reverse("home"))
    assert page.wsgi_request.membership.role == Role.SOCIAL_WORKER  # type: ignore[attr-defined]
    assert b'name="membership"' in page.content  # the switcher is shown to operators with several roles

    response = client.post(reverse("switch_role"), {"membership": second.pk, "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("home"))
    assert page.wsgi_request.membership == second  # type: ignore[attr-defined]
    assert "Coordinatore" in page.content.decode()


@pytest.mark.django_db
def test_role_switcher_ignores_a_membership_of_someone_else(client: Client) -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER)
    MembershipFactory.create(operator=operator, role=Role.CASE_MANAGER, structure=StructureFactory.create())
    stranger_membership = Membership.objects.get(operator=operator_with_role(Role.ADMINISTRATOR))
    client.force_login(operator)
    client.post(reverse("switch_role"), {"membership": stranger_membership.pk, "next": "/"})
    page = client.get(reverse("home"))
    assert page.wsgi_request.membership.operator == operator  # type: ignore[attr-defined]
    assert page.wsgi_request.membership.role == Role.SOCIAL_WORKER  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_role_switcher_is_hidden_with_a_single_role(client: Client) -> None:
    client.force_login(operator_with_role(Role.EDUCATOR))
    assert b'name="membership"' not in client.get(reverse("home")).content


@pytest.mark.django_db
def test_role_switcher_refuses_an_outside_next_url(client: Client) -> None:
    client.force_login(operator_with_role(Role.EDUCATOR))
    response = client.post(reverse("switch_role"), {"membership": "x", "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


# --- home per role ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(Role.values))
def test_home_renders_for_every_role(role: str, client: Client) -> None:
    operator = operator_with_role(role, first_name="Alice")
    client.force_login(operator)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Buongiorno, Alice" in html
    membership = Membership.objects.get(operator=operator)
    assert str(membership.get_role_display()) in html
    assert membership.structure.name in html
    for forbidden in ("coming soon", "non ancora disponibile", "TODO"):
        assert forbidden not in html
    if role == Role.ADMINISTRATOR:
        assert "admin-title" in html
    elif role == Role.AUDITOR:
        assert "audit-title" in html
    else:
        assert "Non hai attività assegnate." in html


@pytest.mark.django_db
def test_home_lists_memberships_with_dates_and_teams(client: Client) -> None:
    operator = OperatorFactory.create()
    MembershipFactory.create(
        operator=operator,
        role=Role.CPI_OPERATOR,
        valid_from=datetime.date(2024, 9, 1),
        valid_to=datetime.date(2099, 12, 31),
    )
    TeamMemberFactory.create(operator=operator, team__name="Equipe di sistema del Cremonese")
    client.force_login(operator)
    html = client.get(reverse("home")).content.decode()
    assert "dal 01/09/2024 al 31/12/2099" in html
    assert "Equipe di sistema del Cremonese" in html


@pytest.mark.django_db
def test_home_counts_the_administrators_ambito(client: Client) -> None:
    admin = operator_with_role(Role.ADMINISTRATOR)
    ambito = Membership.objects.get(operator=admin).structure.organisation.ambito
    other = StructureFactory.create(organisation__ambito=ambito)
    MembershipFactory.create(structure=other, role=Role.SOCIAL_WORKER)
    operator_with_role(Role.SOCIAL_WORKER)  # another ambito: not counted
    client.force_login(admin)
    counts = client.get(reverse("home")).context["admin_counts"]
    assert counts == {"organisations": 2, "structures": 2, "operators": 2}


@pytest.mark.django_db
def test_home_without_a_current_membership(client: Client) -> None:
    operator = OperatorFactory.create()
    MembershipFactory.create(
        operator=operator, valid_from=datetime.date(2020, 1, 1), valid_to=datetime.date(2020, 12, 31)
    )
    client.force_login(operator)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nessun ruolo attivo" in html
    assert "Contatta l&#x27;amministratore" in html or "Contatta l'amministratore" in html


# --- sign-in pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_tells_about_the_demo_exemption_only_when_it_is_on(client: Client, settings) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = False
    assert "Installazione dimostrativa" not in client.get(reverse("account_login")).content.decode()
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    html = client.get(reverse("account_login")).content.decode()
    assert "Installazione dimostrativa" in html
    assert "secondo fattore" in html


@pytest.mark.django_db
def test_signup_is_closed_and_says_so(client: Client) -> None:
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "Registrazione autonoma non prevista" in response.content.decode()


@pytest.mark.django_db
def test_totp_activation_shows_the_qr_code_and_the_secret(client: Client) -> None:
    operator = OperatorFactory.create(totp=False)
    client.force_login(operator)
    # allauth asks for the password again before showing a new TOTP secret.
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    assert 'id="authenticator_secret"' in html
    assert response.context["form"].secret in html


# --- error pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_404_page_is_translated(client: Client) -> None:
    client.force_login(operator_with_role(Role.EDUCATOR))
    html = client.get("/no-such-page/").content.decode()
    assert "Pagina non trovata" in html


def test_500_page_renders_without_request_context() -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("it"):
        html = render_to_string("errors/500.html")
    assert "Si è verificato un errore" in html
