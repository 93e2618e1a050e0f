"""Template tags of the interface shell: optional links, form widgets styled for Bootstrap Italia."""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from django import template
from django.conf import settings
from django.forms import BoundField, CheckboxInput, RadioSelect, Select, SelectMultiple
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_noop

register = template.Library()

# allauth's Italian catalogue leaves these in English. Naming them here puts them in our own
# catalogue (locale/), which Django consults before the apps' catalogues, so the sign-in form
# says "Nome utente" like the rest of the interface.
ALLAUTH_WORDING_OVERRIDES = (gettext_noop("Username"),)


@register.simple_tag
def url_if_exists(name: str, *args: Any, **kwargs: Any) -> str:
    """The URL named ``name``, or "" when no app defines it yet.

    The shell links to pages other apps own (accounts, audit, territory); a link appears as
    soon as its app registers the URL name, and never points to a page that is not there.
    """
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


@register.simple_tag
def intreccio_version() -> str:
    return _project_version()


@cache
def _project_version() -> str:
    # pyproject.toml is the one place the version is written; the project is not pip-installed.
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


@register.filter
def bi_widget(field: BoundField) -> SafeString:
    """Render a form field's widget with the CSS class Bootstrap Italia expects for its type."""
    widget = field.field.widget
    if isinstance(widget, CheckboxInput | RadioSelect):
        css = "form-check-input"
    elif isinstance(widget, Select | SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    existing = widget.attrs.get("class", "")
    attrs: dict[str, Any] = {"class": f"{existing} {css}".strip()}
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, CheckboxInput)


@register.filter
def alert_class(level_tag: str) -> str:
    """Bootstrap Italia alert class for a django.contrib.messages level."""
    return {"error": "alert-danger", "warning": "alert-warning", "success": "alert-success"}.get(
        level_tag, "alert-info"
    )
