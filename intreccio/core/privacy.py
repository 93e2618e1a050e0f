"""Field classification for privacy (SECURITY.md R1).

Every concrete field of every Intreccio model declares what kind of personal data it holds and
why it is processed. Models carry the declaration as a class attribute::

    class Person(models.Model):
        privacy = {
            "last_name": P(Category.IDENTIFYING, Purpose.CARE),
            "health_notes": P(Category.SPECIAL, Purpose.CARE),
        }

A test walks every model of the project and fails on a field without a classification, so a
new field cannot ship unclassified; the register of processing activities (GDPR art. 30) is
generated from these declarations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    NONE = "none", _("No personal data")
    TECHNICAL = "technical", _("Technical data (ids, timestamps, audit)")
    IDENTIFYING = "identifying", _("Common personal data (identity, contacts)")
    ECONOMIC = "economic", _("Economic situation (ISEE, income support)")
    SPECIAL = "special", _("Special category (GDPR art. 9: health, disability, ethnic origin…)")
    JUDICIAL = "judicial", _("Judicial data (GDPR art. 10)")
    MINOR = "minor", _("Data about minors")
    VIOLENCE = "violence", _("Gender-based violence")


class Purpose(models.TextChoices):
    OPERATIONS = "operations", _("Running the service (accounts, configuration)")
    SECURITY = "security", _("Security and accountability (audit trail)")
    CARE = "care", _("Taking care of the person (social and health care path)")
    ELIGIBILITY = "eligibility", _("Checking eligibility for services and benefits")
    PLANNING = "planning", _("Planning and evaluating services (aggregated)")


@dataclass(frozen=True)
class P:
    """The classification of one field."""

    category: Category
    purpose: Purpose


def intreccio_models() -> Iterator[type[models.Model]]:
    for model in apps.get_models():
        if model.__module__.startswith("intreccio."):
            yield model


def classifiable_fields(model: type[models.Model]) -> list[str]:
    """The fields that hold data: columns and many-to-many relations (who is linked to whom)."""
    return [f.name for f in model._meta.concrete_fields] + [f.name for f in model._meta.local_many_to_many]


def unclassified_fields() -> list[str]:
    """``app.Model.field`` for every field of ours that lacks a classification."""
    missing: list[str] = []
    for model in intreccio_models():
        declared: dict[str, P] = getattr(model, "privacy", {})
        for name in classifiable_fields(model):
            if name not in declared:
                missing.append(f"{model._meta.label}.{name}")
    return missing
