"""The login flow (R14-R16): password + mandatory TOTP, lockout with one message, timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import decrypt, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import TEST_PASSWORD, operator_with_role
from intreccio.audit.models import DomainEvent

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"
GENERIC_ERROR = "The username and/or password you specified are not correct."


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _current_code(operator: Operator) -> str:
    authenticator = Authenticator.objects.get(user=operator, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def _password_step(client: Client, username: str, password: str = TEST_PASSWORD, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"login": username, "password": password}, REMOTE_ADDR=ip)


def test_password_then_totp_logs_in_and_rotates_the_session() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="alice")
    client = _english(Client())
    client.get(LOGIN)
    response = _password_step(client, "alice")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Between the two factors nothing is reachable.
    assert not _signed_in(client)
    key_before = client.session.session_key
    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(operator)})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session.session_key != key_before
    assert client.get(reverse("home")).status_code == 200
    assert DomainEvent.objects.filter(action="accounts.session.started", target_id=str(operator.pk)).exists()


def test_wrong_totp_code_does_not_log_in() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="alice")
    client = _english(Client())
    _password_step(client, "alice")
    good = _current_code(operator)
    wrong = "000000" if good != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert not _signed_in(client)


def test_operator_without_totp_can_only_enrol() -> None:
    operator_with_role(Role.CPI_OPERATOR, username="bob", totp=False)
    client = Client()
    # Without a device the password alone opens a session, which can only enrol one.
    assert _password_step(client, "bob")["Location"] == reverse("home")
    for url in (reverse("home"), reverse("account_email"), reverse("mfa_index")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    # Binding a device asks for the password once more, then shows the QR code.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": TEST_PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_totp_cannot_be_removed() -> None:
    operator = operator_with_role(Role.CPI_OPERATOR, username="bob")
    client = Client()
    client.force_login(operator)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=operator, type=Authenticator.Type.TOTP).exists()


def test_demo_exemption_applies_only_to_demo_accounts_and_only_when_enabled(settings) -> None:
    demo = operator_with_role(Role.EDUCATOR, username="demo", totp=False, is_demo=True)
    real = operator_with_role(Role.EDUCATOR, username="real", totp=False)
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    demo_client, real_client = Client(), Client()
    demo_client.force_login(demo)
    real_client.force_login(real)
    assert demo_client.get(reverse("home")).status_code == 200
    assert real_client.get(reverse("home")).status_code == 302
    settings.INTRECCIO_DEMO_MFA_EXEMPT = False
    assert demo_client.get(reverse("home")).status_code == 302


def test_demo_exemption_is_announced_on_the_login_page(settings) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    client = _english(Client())
    assert b"demo" in client.get(LOGIN).content.lower()


class TestLockout:
    def test_same_message_for_unknown_user_wrong_password_and_lockout(self) -> None:
        operator_with_role(Role.SOCIAL_WORKER, username="alice")
        client = _english(Client())
        unknown = _password_step(client, "nobody", "whatever-password")
        wrong = _password_step(client, "alice", "wrong-password-123")
        assert GENERIC_ERROR in unknown.content.decode()
        assert GENERIC_ERROR in wrong.content.decode()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _password_step(client, "alice", "wrong-password-123")
        locked = _password_step(client, "alice", TEST_PASSWORD)
        assert locked.status_code == 200
        assert GENERIC_ERROR in locked.content.decode()
        assert "locked" not in locked.content.decode().lower()
        assert not _signed_in(client)

    def test_lockout_is_per_username_and_address_and_is_logged(self) -> None:
        operator_with_role(Role.SOCIAL_WORKER, username="alice")
        operator_with_role(Role.SOCIAL_WORKER, username="carol")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _password_step(Client(), "alice", "wrong-password-123", ip="10.0.0.9")
        assert _password_step(Client(), "alice", ip="10.0.0.9").status_code == 200  # still the form
        # Another account from the same address, and the same account elsewhere, still log in.
        assert _password_step(Client(), "carol", ip="10.0.0.9")["Location"] == reverse("mfa_authenticate")
        assert _password_step(Client(), "alice", ip="10.0.0.10")["Location"] == reverse("mfa_authenticate")
        assert AccessAttempt.objects.filter(username="alice", ip_address="10.0.0.9").exists()
        events = DomainEvent.objects.filter(action="accounts.login.locked_out")
        assert events.exists()
        assert {e.payload["username"] for e in events} == {"alice"}
        assert {e.payload["ip_address"] for e in events} == {"10.0.0.9"}

    def test_lockout_ends_after_the_cool_off(self) -> None:
        operator_with_role(Role.SOCIAL_WORKER, username="alice")
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            for _ in range(settings.AXES_FAILURE_LIMIT):
                _password_step(Client(), "alice", "wrong-password-123")
            assert _password_step(Client(), "alice").status_code == 200
            clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
            assert _password_step(Client(), "alice")["Location"] == reverse("mfa_authenticate")


class TestSessionTimeouts:
    def _logged_in(self) -> Client:
        client = Client()
        client.force_login(operator_with_role(Role.SOCIAL_WORKER, username="alice"))
        return client

    def test_idle_timeout_after_30_minutes(self) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            client = self._logged_in()
            assert client.get(reverse("home")).status_code == 200
            clock.shift(timedelta(minutes=29))
            assert client.get(reverse("home")).status_code == 200
            clock.shift(timedelta(minutes=31))
            response = client.get(reverse("home"))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
            # The session is gone, not just this request refused.
            assert not _signed_in(client)

    def test_absolute_timeout_after_10_hours_of_activity(self) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            client = self._logged_in()
            client.get(reverse("home"))
            for _ in range(int(10 * 60 / 20)):
                clock.shift(timedelta(minutes=20))
                assert client.get(reverse("home")).status_code == 200
            clock.shift(timedelta(minutes=20))
            assert client.get(reverse("home")).status_code == 302

    def test_htmx_requests_are_told_to_redirect(self) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            client = self._logged_in()
            client.get(reverse("home"))
            clock.shift(timedelta(minutes=31))
            response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
            assert response.status_code == 204
            assert response["HX-Redirect"].startswith(reverse("account_login"))


def test_session_cookie_flags() -> None:
    operator_with_role(Role.SOCIAL_WORKER, username="alice")
    client = Client()
    response = _password_step(client, "alice")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_passwords_need_twelve_characters() -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("short-pw1")
    validate_password("a-much-longer-passphrase")


def test_the_two_factor_page_offers_no_way_to_switch_it_off() -> None:
    client = _english(Client())
    client.force_login(operator_with_role(Role.SOCIAL_WORKER, username="alice"))
    html = client.get(reverse("mfa_index")).content.decode()
    assert "cannot be switched off" in html
    assert reverse("mfa_deactivate_totp") not in html
