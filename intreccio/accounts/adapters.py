"""allauth adapters: closed sign-up, login and logout stamped in the audit trail, TOTP kept."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone

from intreccio.accounts.sessions import SESSION_AUTH_AT, SESSION_LAST_SEEN
from intreccio.audit.services import record_event


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Operators are created by the ambito administrator, never by themselves.
        return False

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)  # Django rotates the session key here (R16).
        now = timezone.now().timestamp()
        request.session[SESSION_AUTH_AT] = now
        request.session[SESSION_LAST_SEEN] = now
        # Logins are part of the administrators' access log the Garante requires.
        record_event(action="accounts.session.started", actor=user, target=user, request=request)  # type: ignore[arg-type]

    def logout(self, request: HttpRequest) -> None:
        user = request.user
        if user.is_authenticated:
            record_event(action="accounts.session.ended", actor=user, target=user, request=request)
        super().logout(request)

    def add_message(
        self, request: HttpRequest, level: int, message_template: str | None = None, *args: Any, **kwargs: Any
    ) -> None:
        # "You have signed in as …" adds nothing for an operator; keep the other messages.
        if message_template and message_template.endswith(("logged_in.txt", "logged_out.txt")):
            return
        super().add_message(request, level, message_template, *args, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # The second factor is mandatory for operators (R14): it can be replaced, not removed.
        return authenticator.type != Authenticator.Type.TOTP
