"""The permission-matrix harness: every URL × anonymous and every role.

Each app declares what its URLs allow in ``intreccio/<app>/tests/matrix_rules.py`` as
``RULES: dict[str, Rule]`` keyed by URL name (``namespace:name``). A URL without a rule fails
the matrix test, so a new page cannot ship unclassified. Later issues extend ``World`` with the
relations a case can have (team member, coordination group, referral recipient, other ambito).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

import intreccio
from intreccio.accounts.models import Operator, Organisation, OrganisationKind, Role, Structure
from intreccio.accounts.tests.factories import AmbitoFactory, MembershipFactory, OperatorFactory
from intreccio.territory.models import Ambito

ALL_ROLES: frozenset[str] = frozenset(Role.values)


@dataclass
class World:
    """A small network: one ambito, one organisation and structure, one operator per role."""

    ambito: Ambito
    organisation: Organisation
    structure: Structure
    operators: dict[str, Operator]
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """What a URL allows.

    ``roles``: the roles that get ``ok_status`` on GET; every other role gets 403 or 404.
    ``anonymous``: the URL is public (login, password reset…); otherwise anonymous users are
    sent to the login page. ``kwargs`` builds the URL arguments from the world.
    ``get``: False for POST-only endpoints, checked for refusal of GET (405) instead.
    """

    roles: frozenset[str] = frozenset()
    anonymous: bool = False
    kwargs: Callable[[World], dict[str, Any]] | None = None
    ok_status: frozenset[int] = frozenset({200})
    get: bool = True
    note: str = ""


def build_world() -> World:
    ambito = AmbitoFactory.create(code="MATRIX", name="Ambito della matrice")
    organisation = Organisation.objects.create(name="Comune della matrice", kind=OrganisationKind.COMUNE, ambito=ambito)
    structure = Structure.objects.create(organisation=organisation, name="Servizio sociale")
    operators: dict[str, Operator] = {}
    for role in Role.values:
        operator = OperatorFactory.create(username=f"m_{role}")
        MembershipFactory.create(operator=operator, structure=structure, role=role)
        operators[role] = operator
    return World(ambito=ambito, organisation=organisation, structure=structure, operators=operators)


def iter_url_patterns(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, str]]:
    """Yield (full name, route) for every named URL pattern of the project."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from iter_url_patterns(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern)


def collect_rules() -> dict[str, Rule]:
    """Every app's ``tests/matrix_rules.py`` plus the project-level rules in tests/."""
    rules: dict[str, Rule] = {}
    modules = ["tests.matrix_rules"]
    for info in pkgutil.iter_modules(intreccio.__path__):
        try:
            tests_package = importlib.import_module(f"intreccio.{info.name}.tests")
        except ModuleNotFoundError:
            continue
        # One file per app, or several (matrix_rules_persons.py…) when several people work on an app.
        for sub in pkgutil.iter_modules(tests_package.__path__):
            if sub.name.startswith("matrix_rules"):
                modules.append(f"intreccio.{info.name}.tests.{sub.name}")
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name, rule in module.RULES.items():
            assert name not in rules, f"URL {name} has two rules"
            rules[name] = rule
    return rules
