"""Break-the-glass (accesso di emergenza, SECURITY.md R8).

An operator who is not on a case's team may, in an emergency, open it for a short time: they give
a reason code and a written reason, confirm it is them (R14), and the grant opens the case with
the sections of their role except the violence section, until it expires or they end it. The
coordination group of the case's ambito is told at once and reviews every grant afterwards.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Role, Structure
from intreccio.cases.models import Case
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose

REASON_TEXT_MIN_LENGTH = 20

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
ACCOUNTABILITY = P(Category.IDENTIFYING, Purpose.SECURITY)
# The written reason of an emergency may describe the person's situation (health, safety).
REASON = P(Category.SPECIAL, Purpose.SECURITY)


class ReasonCode(models.TextChoices):
    IMMINENT_RISK = "imminent_risk", _("Imminent risk to the person's safety or health")
    CONTINUITY_OF_CARE = "continuity_of_care", _("Urgent continuity of care while the team cannot be reached")
    AUTHORITY_REQUEST = "authority_request", _("Request from a judicial or health authority")
    OTHER_EMERGENCY = "other_emergency", _("Other emergency")


class ReviewOutcome(models.TextChoices):
    JUSTIFIED = "justified", _("Justified")
    NOT_JUSTIFIED = "not_justified", _("Not justified")


class BreakGlassGrant(TimeStampedModel):
    """One emergency access to one case by one operator acting in one role."""

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="break_glass_grants",
        verbose_name=_("operator"),
    )
    role = models.CharField(_("role acted in"), max_length=32, choices=Role.choices)
    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="break_glass_grants", verbose_name=_("structure")
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_grants", verbose_name=_("case"))
    reason_code = models.CharField(_("reason"), max_length=32, choices=ReasonCode.choices)
    reason_text = EncryptedTextField(_("what is happening"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="break_glass_reviews",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome of the review"), max_length=16, choices=ReviewOutcome.choices, blank=True)
    review_note = EncryptedTextField(_("review note"), blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "operator": ACCOUNTABILITY,
        "role": TECH,
        "structure": TECH,
        "case": P(Category.IDENTIFYING, Purpose.SECURITY),
        "reason_code": TECH,
        "reason_text": REASON,
        "granted_at": TECH,
        "expires_at": TECH,
        "ended_at": TECH,
        "reviewed_by": ACCOUNTABILITY,
        "reviewed_at": TECH,
        "outcome": TECH,
        "review_note": REASON,
    }

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-granted_at", "-pk"]
        indexes = [
            models.Index(fields=["operator", "case", "expires_at"], name="breakglass_operator_case_idx"),
            models.Index(fields=["outcome", "granted_at"], name="breakglass_review_idx"),
        ]
        constraints = [
            # The written reason is sealed (R12): the database sees ciphertext, whose length says
            # nothing useful, so it checks only that there is one; the 20-character minimum
            # (after trimming) is checked on the plain text by services.breakglass_grant_check.
            models.CheckConstraint(condition=~Q(reason_text=""), name="breakglass_reason_text_not_blank"),
            models.CheckConstraint(condition=Q(reason_code__in=ReasonCode.values), name="breakglass_reason_known"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="breakglass_role_known"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("granted_at")), name="breakglass_expires_after_grant"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("granted_at")),
                name="breakglass_ended_after_grant",
            ),
            # A review has its reviewer, time and outcome together; a pending grant has none.
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(reviewed_by__isnull=True) & Q(reviewed_at__isnull=True))
                | (Q(outcome__in=ReviewOutcome.values) & Q(reviewed_by__isnull=False) & Q(reviewed_at__isnull=False)),
                name="breakglass_review_complete",
            ),
            # Nobody reviews their own emergency access.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("operator")),
                name="breakglass_not_self_reviewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.operator} – {self.granted_at:%d/%m/%Y %H:%M}"

    @property
    def ends_at(self) -> datetime.datetime:
        """When the access stopped or will stop: ended early, or at its expiry."""
        if self.ended_at is not None and self.ended_at < self.expires_at:
            return self.ended_at
        return self.expires_at

    def is_active(self, now: datetime.datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.ended_at is None and self.expires_at > moment

    @property
    def is_reviewed(self) -> bool:
        return bool(self.outcome)


def active_grants_q(now: datetime.datetime | None = None) -> Q:
    """Grants in force now: not ended, not expired."""
    return Q(ended_at__isnull=True, expires_at__gt=now or timezone.now())
