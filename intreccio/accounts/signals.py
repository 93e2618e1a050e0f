"""Receivers for signals of third-party packages, which offer no other hook.

django-axes announces a lockout only through its signal; the lockout must reach the audit
trail (SECURITY.md R15), so it is recorded here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from intreccio.audit.services import record_event


def on_user_locked_out(
    sender: Any, request: HttpRequest | None = None, username: str = "", ip_address: str = "", **kwargs: Any
) -> None:
    record_event(
        action="accounts.login.locked_out",
        actor=None,
        payload={"username": username or "", "ip_address": ip_address or ""},
        request=request,
    )


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The username django-axes locks: allauth passes ``username``, its form posts ``login``."""
    if credentials and credentials.get("username"):
        return str(credentials["username"])
    return str(request.POST.get("login", "")) if request is not None else ""
