"""Retention (SECURITY.md R13): legal holds, and the marks the purge job leaves to stay idempotent.

The schedule itself is declared once, per data category, in ``intreccio.core.privacy.RETENTION``.
A ``LegalHold`` on a person or a case suspends every erasure, purge and anonymisation that would
touch it (GDPR art. 17(3)(e): data needed for legal claims). ``PersonAnonymisation`` says that a
person's identity is gone (by an art. 17 erasure or by the schedule) and ``CategoryPurge`` that the
content of one category of a closed case was deleted: both carry ids, dates and codes only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intreccio.cases.models import Case
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.people.models import Person

TECH = P(Category.TECHNICAL, Purpose.SECURITY)


class LegalHold(TimeStampedModel):
    """Keeps a person's or a case's data beyond the schedule while a legal claim needs it."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_holds", verbose_name=_("person")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_holds", verbose_name=_("case")
    )
    reason = EncryptedTextField(
        _("reason"),
        help_text=_("The proceeding or request that needs the data kept, e.g. a court file number."),
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed at"))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = EncryptedTextField(_("reason for lifting"), blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "person": TECH,
        "case": TECH,
        # A hold names a proceeding (a court, a file number): judicial data about the person.
        "reason": P(Category.JUDICIAL, Purpose.SECURITY),
        "placed_by": TECH,
        "placed_at": TECH,
        "lifted_by": TECH,
        "lifted_at": TECH,
        "lift_reason": P(Category.JUDICIAL, Purpose.SECURITY),
    }

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(case__isnull=True))
                | (Q(person__isnull=True) & Q(case__isnull=False)),
                name="legalhold_person_or_case",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="legalhold_reason_not_blank"),
            models.CheckConstraint(
                condition=(Q(lifted_at__isnull=True) & Q(lifted_by__isnull=True))
                | (Q(lifted_at__isnull=False) & Q(lifted_by__isnull=False)),
                name="legalhold_lifted_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_at__gte=F("placed_at")),
                name="legalhold_lifted_after_placed",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(lifted_at__isnull=True, person__isnull=False),
                name="legalhold_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(lifted_at__isnull=True, case__isnull=False), name="legalhold_one_per_case"
            ),
        ]

    def __str__(self) -> str:
        target = f"case #{self.case_id}" if self.case_id else f"person #{self.person_id}"
        return f"{target} – {self.placed_at:%d/%m/%Y}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class AnonymisationKind(models.TextChoices):
    ERASURE = "erasure", _("Erased at the person's request (GDPR art. 17)")
    SCHEDULE = "schedule", _("Anonymised by the retention schedule")


class PersonAnonymisation(models.Model):
    """The person's identity is gone: the job skips them, pages show an anonymous record."""

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="anonymisation", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AnonymisationKind.choices)
    done_at = models.DateTimeField(_("done at"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    # Why (the erasure request's number): checked not to contain the person's name or codice fiscale.
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    privacy = {"id": TECH, "person": TECH, "kind": TECH, "done_at": TECH, "done_by": TECH, "reason": TECH}

    class Meta:
        verbose_name = _("anonymised person")
        verbose_name_plural = _("anonymised persons")
        ordering = ["-done_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AnonymisationKind.values), name="personanonymisation_kind_known"
            )
        ]

    def __str__(self) -> str:
        return f"person #{self.person_id} – {self.get_kind_display()}"


class CategoryPurge(models.Model):
    """The content of one data category of a closed case was deleted by the schedule."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    # The closure the purge followed: a case re-opened and closed again is purged again later.
    closed_on = models.DateField(_("case closed on"))
    done_at = models.DateTimeField(_("done at"))

    privacy = {"id": TECH, "case": TECH, "category": TECH, "closed_on": TECH, "done_at": TECH}

    class Meta:
        verbose_name = _("category purge")
        verbose_name_plural = _("category purges")
        ordering = ["-done_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "category", "closed_on"], name="categorypurge_once_per_closure"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="categorypurge_category_known"),
        ]

    def __str__(self) -> str:
        return f"case #{self.case_id} – {self.category}"
