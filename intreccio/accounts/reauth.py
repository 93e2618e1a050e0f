"""Re-authentication before sensitive actions (SECURITY.md R14): break-the-glass and exports.

An operator already signed in proves again, at the moment of the action, that they are the one
at the keyboard: their password and, when they have an authenticator app enrolled, a fresh code
from it. A failure counts towards the django-axes lockout exactly like a failed login (same
username + address, same limit), and is written to the audit trail as
``accounts.reauthentication.failed``.

The API is small on purpose, other apps build on it::

    reauthenticate(request=request, password=..., code=...)   # raises ValidationError

    class MyExportForm(ReauthenticationMixin, StyledForm):      # adds "password" and "code"
        ...
    form = MyExportForm(request.POST, request=request)

Call it outside any transaction that the caller will roll back on refusal: the failure count and
the audit row of a failed attempt must stay. A code is accepted once (allauth marks it used), so a
form re-checks the password and code only when its other fields are valid.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intreccio.accounts.forms import StyledForm
from intreccio.audit.services import record_event

FAILED_ACTION = "accounts.reauthentication.failed"
FAILED_CODE = "reauthentication_failed"
NO_SECOND_FACTOR_CODE = "reauthentication_no_second_factor"


def _exempt_from_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Demo accounts of a demo installation may have no authenticator (as at login)."""
    return bool(settings.INTRECCIO_DEMO_MFA_EXEMPT and getattr(user, "is_demo", False))


def _totp_authenticator(user: AbstractBaseUser | AnonymousUser) -> Authenticator | None:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()


def needs_code(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether re-authentication asks this operator for an authenticator code."""
    return _totp_authenticator(user) is not None or not _exempt_from_second_factor(user)


def _failed_message() -> str:
    return _(
        "The password or the authenticator code is not correct, so the action was not carried out. "
        "Type your password and the code your authenticator app shows now. "
        "After several failed attempts your account is locked for a while."
    )


def _fail(request: HttpRequest, *, username: str, factor: str, count_with_axes: bool) -> ValidationError:
    if count_with_axes:
        # django-axes counts failures through Django's login-failed signal; a wrong password has
        # already sent it from authenticate(), a wrong code sends it here.
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    record_event(
        action=FAILED_ACTION,
        actor=request.user,  # type: ignore[arg-type]
        target=request.user,  # type: ignore[arg-type]
        payload={"factor": factor, "path": request.path},
        request=request,
    )
    return ValidationError(_failed_message(), code=FAILED_CODE)


def reauthenticate(*, request: HttpRequest, password: str, code: str) -> None:
    """Check the signed-in operator's password and second factor again; raise ``ValidationError``.

    Wrong password, wrong or missing code, a code already used, or a locked account all give the
    same message (R15). An operator without an authenticator, outside the demo exemption, is told
    to set one up.
    """
    user = request.user
    if not user.is_authenticated:
        raise ValidationError(_("Sign in again to carry out this action."), code=FAILED_CODE)
    username = user.get_username()
    authenticator = _totp_authenticator(user)
    if authenticator is None and not _exempt_from_second_factor(user):
        raise ValidationError(
            _("Set up your authenticator app before carrying out this action."), code=NO_SECOND_FACTOR_CODE
        )
    # authenticate() goes through django-axes: a locked username + address is refused, and a
    # wrong password is counted towards the lockout.
    if not password:
        # Nothing typed is no attempt to guess, and is not counted; it is not a confirmation either.
        raise ValidationError(_("Type your password to confirm it is you."), code=FAILED_CODE)
    checked = authenticate(request, username=username, password=password)
    if checked is None or checked.pk != user.pk:
        raise _fail(request, username=username, factor="password", count_with_axes=False)
    if authenticator is not None:
        typed = (code or "").strip().replace(" ", "")
        if not typed or not TOTP(authenticator).validate_code(typed):
            raise _fail(request, username=username, factor="code", count_with_axes=True)


class ReauthenticationMixin(forms.Form):
    """Password and authenticator code fields, checked last when the rest of the form is valid.

    Pass ``request=`` to the form. A subclass that validates more in ``clean()`` does its own
    checks first and then returns ``super().clean()``: a refusal before re-authentication does
    not consume the operator's code. A form whose service calls ``reauthenticate`` itself sets
    ``reauthenticate_on_clean = False`` and uses only the fields.
    """

    reauthenticate_on_clean = True

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("To confirm it is you, type the password you sign in with."),
        error_messages={"required": gettext_lazy("Type your password to confirm it is you.")},
    )
    code = forms.CharField(
        label=gettext_lazy("Authenticator code"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=gettext_lazy("The 6-digit code your authenticator app shows now."),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        if not needs_code(request.user):
            del self.fields["code"]
        # Confirmation comes last, after whatever the action asks for.
        for name in ("password", "code"):
            if name in self.fields:
                self.fields[name] = self.fields.pop(name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.reauthenticate_on_clean and not self.errors:
            try:
                reauthenticate(request=self.request, password=cleaned.get("password", ""), code=cleaned.get("code", ""))
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class ReauthenticationForm(ReauthenticationMixin, StyledForm):
    """Re-authentication alone, for a confirmation page with nothing else to fill in."""
