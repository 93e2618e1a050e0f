"""Per-request account rules: session timeouts, mandatory second factor, the active role."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.selectors import has_totp, membership_list_current
from intreccio.accounts.sessions import (
    LAST_SEEN_RESOLUTION_SECONDS,
    SESSION_AUTH_AT,
    SESSION_LAST_SEEN,
    SESSION_MEMBERSHIP,
    session_expired,
)

Handler = Callable[[HttpRequest], HttpResponse]


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # django-htmx's middleware runs later; read the header itself.
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class SessionTimeoutMiddleware:
    """Log out after 30 idle minutes or 10 hours from login, whichever comes first (R16)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            auth_at = request.session.get(SESSION_AUTH_AT)
            last_seen = request.session.get(SESSION_LAST_SEEN)
            if auth_at is None or last_seen is None:
                # A session opened outside the login view (e.g. by a test client) starts now.
                request.session[SESSION_AUTH_AT] = auth_at or now
                request.session[SESSION_LAST_SEEN] = now
            elif session_expired(now=now, auth_at=auth_at, last_seen=last_seen):
                logout(request)
                messages.info(request, _("Your session has expired. Please sign in again."))
                login_url = reverse(settings.LOGIN_URL)
                if request.method == "GET":
                    login_url += "?" + urlencode({"next": request.get_full_path()})
                return _redirect(request, login_url)
            elif now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """An operator without a TOTP authenticator can only set one up (R14)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self._exempt(request) and not has_totp(user):
            allowed = {
                reverse("mfa_activate_totp"),
                reverse("account_logout"),
                reverse("account_reauthenticate"),
                reverse("set_language"),
            }
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                return _redirect(request, reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        return bool(settings.INTRECCIO_DEMO_MFA_EXEMPT and getattr(request.user, "is_demo", False))


class ActiveMembershipMiddleware:
    """Sets ``request.membership``: the role the operator acts in now, chosen in the header."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = membership_list_current(operator=request.user)
            chosen_id = request.session.get(SESSION_MEMBERSHIP)
            active = next((m for m in memberships if m.pk == chosen_id), None)
            if active is None and memberships:
                active = memberships[0]
            request.memberships = memberships  # type: ignore[attr-defined]
            request.membership = active  # type: ignore[attr-defined]
        return self.get_response(request)
