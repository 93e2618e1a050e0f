"""Home page, role switcher and the lockout answer."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from intreccio.accounts.sessions import SESSION_MEMBERSHIP

# The same words for a wrong password, an unknown user and a locked account (R15).
GENERIC_LOGIN_ERROR_TEMPLATE = "account/login.html"


def home(request: HttpRequest) -> HttpResponse:
    """The operator's home page; to anyone not signed in, a public welcome with no data."""
    if not request.user.is_authenticated:
        return render(request, "welcome.html")
    from intreccio.accounts.home import home_context

    return render(request, "home.html", home_context(request))


@login_required
@require_POST
def switch_role(request: HttpRequest) -> HttpResponse:
    """Make another of the operator's current memberships the active one."""
    try:
        membership_id = int(request.POST.get("membership", ""))
    except ValueError:
        membership_id = -1
    memberships = getattr(request, "memberships", [])
    if any(m.pk == membership_id for m in memberships):
        request.session[SESSION_MEMBERSHIP] = membership_id
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    return HttpResponseRedirect(next_url)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes calls this for a locked username+IP: answer exactly like a wrong password.

    The backend already refused the login, so allauth's view rendered its usual generic
    error; that page is the answer. The lockout itself is logged by django-axes.
    """
    if original_response is not None:
        return original_response
    form = LoginForm(request=request)
    form.add_error(None, get_adapter(request).error_messages["username_password_mismatch"])
    return render(request, GENERIC_LOGIN_ERROR_TEMPLATE, {"form": form})
