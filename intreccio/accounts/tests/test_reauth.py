"""Re-authentication before sensitive actions (R14): password + fresh TOTP code, failures counted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import decrypt, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import translation

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.reauth import FAILED_ACTION, ReauthenticationForm, needs_code, reauthenticate
from intreccio.accounts.tests.factories import TEST_PASSWORD, operator_with_role
from intreccio.audit.models import DomainEvent

pytestmark = pytest.mark.django_db

FAILED_EN = "The password or the authenticator code is not correct"


@pytest.fixture(autouse=True)
def _english_and_fresh_cache() -> Iterator[None]:
    # allauth remembers used codes in the cache; a code of an earlier test must not count here.
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


def _request(operator: Operator | AnonymousUser, ip: str = "10.0.0.7") -> HttpRequest:
    request = RequestFactory().post("/emergenza/nuovo/", REMOTE_ADDR=ip)
    request.user = operator
    request.session = SessionStore()
    return request


def _code(operator: Operator, step: int = 0) -> str:
    authenticator = Authenticator.objects.get(user=operator, type=Authenticator.Type.TOTP)
    counters = list(yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2 + step]
    return format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), counter))


def _wrong_code(operator: Operator) -> str:
    valid = {_code(operator, step) for step in (-1, 0, 1)}
    return next(candidate for candidate in ("000000", "111111", "222222", "333333") if candidate not in valid)


def _failures(username: str) -> int:
    return sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))


def test_right_password_and_code_pass() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    request = _request(operator)
    reauthenticate(request=request, password=TEST_PASSWORD, code=_code(operator))
    assert _failures("sara") == 0
    assert not DomainEvent.objects.filter(action=FAILED_ACTION).exists()


def test_code_typed_with_spaces_is_accepted() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    code = _code(operator)
    reauthenticate(request=_request(operator), password=TEST_PASSWORD, code=f" {code[:3]} {code[3:]} ")


def test_wrong_password_is_refused_counted_by_axes_and_audited() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    with pytest.raises(ValidationError) as refused:
        reauthenticate(request=_request(operator), password="not-my-password", code=_code(operator))
    assert FAILED_EN in refused.value.messages[0]
    assert _failures("sara") == 1
    event = DomainEvent.objects.get(action=FAILED_ACTION)
    assert event.actor_id == operator.pk
    assert event.payload["factor"] == "password"
    # No password in the trail.
    assert "not-my-password" not in str(event.payload)


def test_wrong_code_is_refused_with_the_same_message_and_counted() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    with pytest.raises(ValidationError) as refused:
        reauthenticate(request=_request(operator), password=TEST_PASSWORD, code=_wrong_code(operator))
    assert FAILED_EN in refused.value.messages[0]
    assert _failures("sara") == 1
    assert DomainEvent.objects.get(action=FAILED_ACTION).payload["factor"] == "code"


def test_missing_code_is_refused_when_an_authenticator_is_enrolled() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    with pytest.raises(ValidationError):
        reauthenticate(request=_request(operator), password=TEST_PASSWORD, code="")
    assert _failures("sara") == 1


def test_a_code_cannot_be_used_twice() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    code = _code(operator)
    reauthenticate(request=_request(operator), password=TEST_PASSWORD, code=code)
    with pytest.raises(ValidationError):
        reauthenticate(request=_request(operator), password=TEST_PASSWORD, code=code)


def test_empty_password_asks_for_it_without_counting_a_failure() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    with pytest.raises(ValidationError) as refused:
        reauthenticate(request=_request(operator), password="", code=_code(operator))
    assert refused.value.messages == ["Type your password to confirm it is you."]
    assert _failures("sara") == 0


def test_failures_lock_the_account_and_then_even_the_right_password_is_refused() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            reauthenticate(request=_request(operator), password="not-my-password", code="")
    with pytest.raises(ValidationError) as refused:
        reauthenticate(request=_request(operator), password=TEST_PASSWORD, code=_code(operator))
    # Locked: the same words as any other failure (R15).
    assert FAILED_EN in refused.value.messages[0]
    # Another address is not locked (username + address, as at login).
    reauthenticate(request=_request(operator, ip="10.0.0.8"), password=TEST_PASSWORD, code=_code(operator, 1))


def test_wrong_codes_alone_lock_the_account_too() -> None:
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            reauthenticate(request=_request(operator), password=TEST_PASSWORD, code=_wrong_code(operator))
    with pytest.raises(ValidationError):
        reauthenticate(request=_request(operator), password=TEST_PASSWORD, code=_code(operator))


def test_anonymous_is_refused() -> None:
    with pytest.raises(ValidationError):
        reauthenticate(request=_request(AnonymousUser()), password=TEST_PASSWORD, code="123456")


def test_operator_without_authenticator_outside_the_demo_must_set_one_up(settings) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    operator = operator_with_role(Role.SOCIAL_WORKER, username="sara", totp=False, is_demo=False)
    assert needs_code(operator)
    with pytest.raises(ValidationError) as refused:
        reauthenticate(request=_request(operator), password=TEST_PASSWORD, code="")
    assert refused.value.messages == ["Set up your authenticator app before carrying out this action."]


def test_demo_account_without_authenticator_confirms_with_the_password_when_exempt(settings) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    demo = operator_with_role(Role.SOCIAL_WORKER, username="demo", totp=False, is_demo=True)
    assert not needs_code(demo)
    reauthenticate(request=_request(demo), password=TEST_PASSWORD, code="")
    with pytest.raises(ValidationError):
        reauthenticate(request=_request(demo), password="not-my-password", code="")


def test_demo_exemption_off_means_a_code_is_needed(settings) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = False
    demo = operator_with_role(Role.SOCIAL_WORKER, username="demo", totp=False, is_demo=True)
    assert needs_code(demo)
    with pytest.raises(ValidationError):
        reauthenticate(request=_request(demo), password=TEST_PASSWORD, code="")


def test_demo_account_with_an_authenticator_still_needs_its_code(settings) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    demo = operator_with_role(Role.SOCIAL_WORKER, username="demo", is_demo=True)
    with pytest.raises(ValidationError):
        reauthenticate(request=_request(demo), password=TEST_PASSWORD, code="")


class TestForm:
    def test_valid_with_password_and_code(self) -> None:
        operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
        form = ReauthenticationForm({"password": TEST_PASSWORD, "code": _code(operator)}, request=_request(operator))
        assert form.is_valid(), form.errors

    def test_failure_is_a_form_error_and_the_password_is_not_echoed(self) -> None:
        operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
        form = ReauthenticationForm(
            {"password": "not-my-password", "code": _code(operator)}, request=_request(operator)
        )
        assert not form.is_valid()
        assert FAILED_EN in form.non_field_errors()[0]
        assert "not-my-password" not in str(form["password"])

    def test_missing_password_is_a_field_error_and_no_attempt(self) -> None:
        operator = operator_with_role(Role.SOCIAL_WORKER, username="sara")
        form = ReauthenticationForm({"code": _code(operator)}, request=_request(operator))
        assert not form.is_valid()
        assert form.errors["password"] == ["Type your password to confirm it is you."]
        assert _failures("sara") == 0

    def test_code_field_only_when_needed(self, settings) -> None:
        settings.INTRECCIO_DEMO_MFA_EXEMPT = True
        demo = operator_with_role(Role.SOCIAL_WORKER, username="demo", totp=False, is_demo=True)
        sara = operator_with_role(Role.SOCIAL_WORKER, username="sara")
        assert "code" not in ReauthenticationForm(request=_request(demo)).fields
        assert "code" in ReauthenticationForm(request=_request(sara)).fields
