"""The main navigation, assembled from what each app registers at start-up.

An app adds its entries in ``AppConfig.ready()`` with a predicate on the request (usually its
own permission function), so the header shows exactly the pages the acting role may open and
this module never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    allowed: Callable[[HttpRequest], bool]
    order: int = 100
    group: str = ""  # a key of GROUPS: shown in that drop-down menu instead of the bar itself


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    active: bool
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    """A drop-down of the main menu: what is used less often, kept one click away."""

    key: str
    label: str
    links: tuple[NavLink, ...]

    @property
    def active(self) -> bool:
        return any(link.active for link in self.links)


# The drop-downs, in the order they follow the bar's own links.
GROUPS: dict[str, Promise] = {
    "network": _("Network"),
    "privacy": _("Privacy"),
}


_ENTRIES: dict[str, NavEntry] = {}


def register(entry: NavEntry) -> None:
    _ENTRIES[entry.url_name] = entry


def links_for(request: HttpRequest) -> list[NavLink]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return []
    links = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: (e.order, e.url_name)):
        if not entry.allowed(request):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = request.path == url or (url != "/" and request.path.startswith(url))
        links.append(NavLink(url=url, label=str(entry.label), active=active, group=entry.group))
    return links


def menu_of(links: list[NavLink]) -> list[NavLink | NavGroup]:
    """The bar: ungrouped links in order, then one drop-down per group that has links."""
    menu: list[NavLink | NavGroup] = [link for link in links if not link.group]
    for key, label in GROUPS.items():
        grouped = tuple(link for link in links if link.group == key)
        if grouped:
            menu.append(NavGroup(key=key, label=str(label), links=grouped))
    return menu
