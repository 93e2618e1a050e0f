"""Blackout (oscuramento) of a case note or an assessment at the person's request (SECURITY.md R21).

The person may ask that something a service wrote about them be hidden from everyone outside
that service (the Garante's guidelines on the health dossier, §5.1). A ``Blackout`` records the
request: which item, which service wrote it (the only one that keeps seeing it), when the person
asked and the reference of the signed request, who recorded it; lifting it keeps the row with
who lifted it, when and why. The row holds no content of the item, only its key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Structure
from intreccio.cases.models import Case
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.people.models import Person

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
CARE = P(Category.IDENTIFYING, Purpose.CARE)
REFERENCE_MAX = 60


class TargetType(models.TextChoices):
    """What can be blacked out: the ``app_label.model`` of the item, as the case selectors key it."""

    CASE_NOTE = "cases.casenote", _("Case note")
    ASSESSMENT = "assessments.assessment", _("Assessment")


class BlackoutQuerySet(models.QuerySet["Blackout"]):
    def active(self) -> BlackoutQuerySet:
        return self.filter(lifted_at__isnull=True)


class Blackout(TimeStampedModel):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="blackouts", verbose_name=_("person who asked")
    )
    # Kept when the case is erased (retention): the request and its lifting stay accountable.
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    target_type = models.CharField(_("kind of item"), max_length=32, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField(_("item"))
    owner_structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="+", verbose_name=_("service that wrote it")
    )
    requested_on = models.DateField(_("requested by the person on"))
    request_reference = EncryptedTextField(_("reference of the request"), max_length=REFERENCE_MAX)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = EncryptedTextField(_("why it was lifted"), blank=True)

    objects = BlackoutQuerySet.as_manager()
    # The item is named by its label and key, not a foreign key: when retention deletes the item
    # (an erased person's note), its blackout goes with it (retention/scrub.py).
    follows_item = ("target_type", "target_id")

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "person": CARE,
        "case": CARE,
        "target_type": TECH,
        "target_id": TECH,
        "owner_structure": CARE,
        "requested_on": CARE,
        "request_reference": CARE,
        "recorded_by": TECH,
        "recorded_at": TECH,
        "lifted_at": TECH,
        "lifted_by": TECH,
        "lift_reason": CARE,
    }

    class Meta:
        verbose_name = _("blackout")
        verbose_name_plural = _("blackouts")
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            # The concealment asks, on every read of a case, for its active blackouts.
            models.Index(fields=["case", "lifted_at"], name="blackout_case_active_idx"),
            models.Index(fields=["owner_structure", "lifted_at"], name="blackout_owner_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(target_type__in=TargetType.values), name="blackout_target_known"),
            models.CheckConstraint(condition=~Q(request_reference=""), name="blackout_reference_not_blank"),
            # A lifted blackout says who lifted it, when and why; an active one says none of it.
            models.CheckConstraint(
                condition=(Q(lifted_at__isnull=True) & Q(lifted_by__isnull=True) & Q(lift_reason=""))
                | (Q(lifted_at__isnull=False) & Q(lifted_by__isnull=False) & ~Q(lift_reason="")),
                name="blackout_lifted_has_who_when_why",
            ),
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=Q(lifted_at__isnull=True),
                name="blackout_one_active_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_type_display()} #{self.target_id}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    @property
    def key(self) -> tuple[str, int]:
        return (self.target_type, self.target_id)
