"""A person's consents: recorded and withdrawn by the recording roles, on persons they may see; the panel."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from intreccio.accounts.models import Membership
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.people.models import Consent, ConsentScope
from intreccio.people.selectors_households import consent_list_for_person
from intreccio.people.tests.test_households_pages import Network, build_network
from intreccio.people.views.households import consents_panel_context

D = datetime.date
TODAY = timezone.localdate()


@pytest.fixture
def net(db: None) -> Network:
    return build_network()


def _consent(net: Network, **kwargs: object) -> Consent:
    values: dict[str, object] = {
        "person": net.mario,
        "scope": ConsentScope.NETWORK_SHARING,
        "given_on": D(2025, 2, 1),
        "given_by": "Mario Rossi",
        "recorded_by": net.alice,
        **kwargs,
    }
    return Consent.objects.create(**values)


def _person_page_or_form(net: Network) -> str:
    try:
        return reverse("people:person_detail", args=[net.mario.pk])
    except NoReverseMatch:
        return reverse("people:consent_create", args=[net.mario.pk])


class TestCreate:
    def test_record_a_consent(self, net: Network) -> None:
        url = reverse("people:consent_create", args=[net.mario.pk])
        client = net.client(net.alice)
        before = AccessEvent.objects.count()
        page = client.get(url)
        assert page.status_code == 200
        assert AccessEvent.objects.count() == before + 1  # the person's name is on the page
        response = client.post(
            url,
            {
                "scope": "health_sharing",
                "recipient": net.other_organisation.pk,
                "given_on": "03/02/2025",
                "given_by": "Anna Rossi, tutrice legale",
                "document_reference": "Prot. 77/2025",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == _person_page_or_form(net)
        consent = Consent.objects.get()
        assert (consent.scope, consent.recipient, consent.given_on, consent.given_by) == (
            "health_sharing",
            net.other_organisation,
            D(2025, 2, 3),
            "Anna Rossi, tutrice legale",
        )

    def test_the_whole_network_when_no_recipient(self, net: Network) -> None:
        url = reverse("people:consent_create", args=[net.mario.pk])
        net.client(net.alice).post(url, {"scope": "contact", "given_on": "03/02/2025", "given_by": "Mario Rossi"})
        assert Consent.objects.get().recipient is None

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"given_on": "31/04/2025"}, "given_on"),
            ({"given_on": (TODAY + datetime.timedelta(days=2)).strftime("%d/%m/%Y")}, "given_on"),
            ({"given_by": ""}, "given_by"),
            ({"scope": "everything"}, "scope"),
        ],
    )
    def test_refusals_save_nothing(self, net: Network, values: dict[str, str], field: str) -> None:
        data = {"scope": "contact", "given_on": "03/02/2025", "given_by": "Mario Rossi", **values}
        before = (Consent.objects.count(), DomainEvent.objects.count())
        response = net.client(net.alice).post(reverse("people:consent_create", args=[net.mario.pk]), data)
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert (Consent.objects.count(), DomainEvent.objects.count()) == before

    def test_not_visible_or_not_recording_is_404(self, net: Network) -> None:
        assert net.client(net.alice).get(reverse("people:consent_create", args=[net.stranger.pk])).status_code == 404
        assert net.client(net.dario).get(reverse("people:consent_create", args=[net.mario.pk])).status_code == 404
        response = net.client(net.dario).post(
            reverse("people:consent_create", args=[net.mario.pk]),
            {"scope": "contact", "given_on": "03/02/2025", "given_by": "Mario Rossi"},
        )
        assert response.status_code == 404
        assert not Consent.objects.exists()


class TestWithdraw:
    def _url(self, consent: Consent) -> str:
        return reverse("people:consent_withdraw", args=[consent.person_id, consent.pk])

    def test_withdraw_with_htmx_returns_the_panel(self, net: Network) -> None:
        consent = _consent(net)
        response = net.client(net.alice).post(
            self._url(consent), {"withdrawn_on": TODAY.strftime("%d/%m/%Y")}, HTTP_HX_REQUEST="true"
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert body.lstrip().startswith('<section id="consents-panel"')
        consent.refresh_from_db()
        assert consent.withdrawn_on == TODAY

    def test_refusal_with_htmx_shows_the_message_in_the_panel(self, net: Network) -> None:
        consent = _consent(net)
        before = DomainEvent.objects.count()
        response = net.client(net.alice, language="en").post(
            self._url(consent), {"withdrawn_on": "31/01/2025"}, HTTP_HX_REQUEST="true"
        )
        body = response.content.decode()
        assert "A consent cannot be withdrawn before it was given: check the date." in body
        assert 'value="31/01/2025"' in body
        response = net.client(net.alice, language="en").post(
            self._url(consent), {"withdrawn_on": "29/02/2025"}, HTTP_HX_REQUEST="true"
        )
        assert "2025 is not a leap year" in response.content.decode()
        consent.refresh_from_db()
        assert consent.withdrawn_on is None
        assert DomainEvent.objects.count() == before

    def test_withdraw_without_htmx_redirects(self, net: Network) -> None:
        consent = _consent(net)
        response = net.client(net.alice).post(self._url(consent), {"withdrawn_on": TODAY.strftime("%d/%m/%Y")})
        assert response.status_code == 302
        assert response["Location"] == _person_page_or_form(net)

    def test_get_is_refused(self, net: Network) -> None:
        assert net.client(net.alice).get(self._url(_consent(net))).status_code == 405

    def test_a_consent_of_another_person_or_not_visible_is_404(self, net: Network) -> None:
        theirs = _consent(net, person=net.stranger)
        client = net.client(net.alice)
        assert client.post(self._url(theirs), {"withdrawn_on": "01/03/2025"}).status_code == 404
        mine = _consent(net)
        wrong_person = reverse("people:consent_withdraw", args=[net.lucia.pk, mine.pk])
        assert client.post(wrong_person, {"withdrawn_on": "01/03/2025"}).status_code == 404
        assert net.client(net.dario).post(self._url(mine), {"withdrawn_on": "01/03/2025"}).status_code == 404
        assert not Consent.objects.filter(withdrawn_on__isnull=False).exists()


class TestPanel:
    def test_selector_orders_current_first(self, net: Network) -> None:
        old = _consent(net, given_on=D(2024, 1, 1), withdrawn_on=D(2024, 6, 1))
        recent = _consent(net, given_on=D(2025, 1, 1))
        older_current = _consent(net, given_on=D(2023, 1, 1), scope=ConsentScope.CONTACT)
        _consent(net, person=net.lucia)
        assert list(consent_list_for_person(net.mario)) == [recent, older_current, old]

    def test_the_person_page_can_include_it(self, net: Network) -> None:
        _consent(net, recipient=net.other_organisation)
        _consent(net, scope=ConsentScope.CONTACT, withdrawn_on=D(2025, 3, 1))
        request = RequestFactory().get("/")
        request.user = net.alice
        request.membership = Membership.objects.get(operator=net.alice)  # type: ignore[attr-defined]
        html = render_to_string(
            "people/_consents_panel.html", consents_panel_context(request=request, person=net.mario), request=request
        )
        assert "Azienda Sociale del Cremonese" in html
        assert "01/03/2025" in html
        assert html.count('name="withdrawn_on"') == 1  # only the consent in force can be withdrawn
        assert reverse("people:consent_create", args=[net.mario.pk]) in html

    def test_read_only_roles_see_no_buttons(self, net: Network) -> None:
        _consent(net)
        request = RequestFactory().get("/")
        request.user = net.dario
        request.membership = Membership.objects.get(operator=net.dario)  # type: ignore[attr-defined]
        html = render_to_string(
            "people/_consents_panel.html", consents_panel_context(request=request, person=net.mario), request=request
        )
        assert "withdrawn_on" not in html
        assert reverse("people:consent_create", args=[net.mario.pk]) not in html


def test_withdrawing_on_the_consent_page_keeps_the_panel_without_a_second_record_link(net: Network) -> None:
    consent = _consent(net)
    page_url = reverse("people:consent_create", args=[net.mario.pk])
    response = net.client(net.alice).post(
        reverse("people:consent_withdraw", args=[net.mario.pk, consent.pk]),
        {"withdrawn_on": "31/01/2025"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page_url}",
    )
    assert f'href="{page_url}"' not in response.content.decode()
