"""The Italian and English catalogues are complete, compiled, and used: Italian by default."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from intreccio.accounts.models import Role
from intreccio.accounts.tests.factories import operator_with_role

CATALOGUES = [Path(settings.BASE_DIR) / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("it", "en")]


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_is_complete(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert len(po) > 0
    assert not untranslated, f"untranslated in {po_path} (run scripts/messages.sh and translate): {untranslated}"
    assert not fuzzy, f"fuzzy in {po_path} (check and clear the flag): {fuzzy}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_mo_file_matches_its_po(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run scripts/messages.sh compile"
    po_entries = polib.pofile(str(po_path)).translated_entries()
    expected = {(e.msgctxt, e.msgid): e.msgstr or dict(e.msgstr_plural) for e in po_entries}
    mo_entries = [e for e in polib.mofile(str(mo_path)) if e.msgid]
    compiled = {(e.msgctxt, e.msgid): e.msgstr or dict(e.msgstr_plural) for e in mo_entries}
    assert compiled == expected, f"{mo_path} is out of date with its .po: run scripts/messages.sh compile"


@pytest.mark.django_db
def test_home_is_italian_by_default_and_english_on_request(client: Client) -> None:
    client.force_login(operator_with_role(Role.SOCIAL_WORKER, first_name="Alice"))
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="it">' in html
    assert "Buongiorno, Alice" in html
    assert "Le tue attività" in html

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Hello, Alice" in html
    assert "Your work list" in html


@pytest.mark.django_db
def test_a_browser_asking_for_english_still_gets_italian_until_the_operator_chooses(client: Client) -> None:
    client.force_login(operator_with_role(Role.SOCIAL_WORKER, first_name="Alice"))
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="it">' in html
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="it-IT").content.decode()
    assert '<html lang="en">' in html


def test_the_500_handler_answers_without_touching_the_request() -> None:
    from django.test import RequestFactory
    from django.utils import translation

    from intreccio.core.views import error_500

    # The handler renders in the language the request activated; here, the default.
    with translation.override("it"):
        response = error_500(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Si è verificato un errore" in response.content.decode()
