"""Referrals between services (invio / segnalazione tra servizi), gated by consent (SECURITY.md R9).

A team member of a case sends the person to another service of the ambito's network. The
referral discloses the person's identity and contacts, the reason and the notes of the sections
the sender chose to share; it rests either on the person's consents (``consent`` for sharing
with the network, plus ``health_consent`` / ``third_sector_consent`` when what is shared or who
receives it needs them) or on an override recorded on the referral with its legal basis, who
decided it and when. The database refuses a referral with neither, or with both.

The receiving structure's operators read the minimum dataset on the referral page while the
referral is sent or accepted; they never get the case page.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from intreccio.accounts.models import Structure
from intreccio.cases.models import Case
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.people.models import Consent

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
OPS = P(Category.NONE, Purpose.OPERATIONS)
CARE = P(Category.IDENTIFYING, Purpose.CARE)
SPECIAL = P(Category.SPECIAL, Purpose.CARE)
# Free text about a case may touch any section, the most sensitive included (as CaseNote.text).
NARRATIVE = P(Category.VIOLENCE, Purpose.CARE)


class ReferralStatus(models.TextChoices):
    # "Invio" is masculine in Italian: the context keeps these apart from other statuses.
    SENT = "sent", pgettext_lazy("referral status", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted")
    REJECTED = "rejected", pgettext_lazy("referral status", "Rejected")
    COMPLETED = "completed", pgettext_lazy("referral status", "Completed")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral status", "Withdrawn")


# While a referral is in one of these states its recipients read the minimum dataset.
ACTIVE_STATES = frozenset({ReferralStatus.SENT, ReferralStatus.ACCEPTED})
# The only moves a referral can make.
TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.REJECTED, ReferralStatus.WITHDRAWN}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN}),
    ReferralStatus.REJECTED: frozenset(),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
}


class OverrideBasis(models.TextChoices):
    """The legal bases on which a referral may go without the person's consent."""

    VITAL_INTEREST = (
        "vital_interest",
        _("Vital interest of the person or of another person who cannot give consent (GDPR art. 9(2)(c))"),
    )
    JUDICIAL_ORDER = "judicial_order", _("Order of a judicial authority (GDPR art. 9(2)(f), art. 10)")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation of the service (GDPR art. 6(1)(c))")
    PUBLIC_INTEREST = (
        "public_interest",
        _("Substantial public interest set by law (GDPR art. 9(2)(g); D.Lgs. 196/2003 art. 2-sexies)"),
    )


class Referral(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("case"))
    from_structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="+", verbose_name=_("sending service")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    to_structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="referrals_received", verbose_name=_("receiving service")
    )
    reason = EncryptedTextField(_("reason for the referral"))
    # Codes of ``cases.models.Section``; the service checks each is one the sender may read.
    shared_sections = models.JSONField(_("sections shared"), default=list, blank=True)
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent to share with the network"),
    )
    health_consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent to share health information"),
    )
    third_sector_consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent to share with third-sector providers"),
    )
    override_basis = models.CharField(
        _("legal basis of the override"), max_length=32, choices=OverrideBasis.choices, blank=True
    )
    override_reason = EncryptedTextField(_("why the referral goes without consent"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("override decided by"),
    )
    override_at = models.DateTimeField(_("override decided at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = EncryptedTextField(_("answer"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = EncryptedTextField(_("outcome or reason for withdrawing"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "case": CARE,
        "from_structure": CARE,
        "sent_by": TECH,
        "sent_at": CARE,
        "to_structure": CARE,
        "reason": NARRATIVE,
        # Which sections went (e.g. "health") tells something about the person by itself.
        "shared_sections": SPECIAL,
        "consent": CARE,
        "health_consent": SPECIAL,
        "third_sector_consent": CARE,
        "override_basis": SPECIAL,
        "override_reason": NARRATIVE,
        "override_by": TECH,
        "override_at": TECH,
        "status": CARE,
        "answered_by": TECH,
        "answered_at": CARE,
        "answer_note": NARRATIVE,
        "closed_by": TECH,
        "closed_at": CARE,
        "closing_note": NARRATIVE,
        "version": TECH,
    }

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["to_structure", "status"], name="referral_to_status_idx"),
            models.Index(fields=["case", "status"], name="referral_case_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReferralStatus.values), name="referral_status_known"),
            models.CheckConstraint(
                condition=Q(override_basis="") | Q(override_basis__in=OverrideBasis.values),
                name="referral_override_basis_known",
            ),
            # Deny by default (R9): the person's consent, or an override complete with its basis,
            # reason, author and time; never both, never neither.
            models.CheckConstraint(
                condition=(
                    Q(consent__isnull=False)
                    & Q(override_basis="")
                    & Q(override_reason="")
                    & Q(override_by__isnull=True)
                    & Q(override_at__isnull=True)
                )
                | (
                    Q(consent__isnull=True)
                    & Q(health_consent__isnull=True)
                    & Q(third_sector_consent__isnull=True)
                    & ~Q(override_basis="")
                    & ~Q(override_reason="")
                    & Q(override_by__isnull=False)
                    & Q(override_at__isnull=False)
                ),
                name="referral_consent_or_override",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="referral_reason_not_blank"),
            models.CheckConstraint(
                condition=~Q(from_structure=models.F("to_structure")), name="referral_to_another_service"
            ),
            # Answered once it leaves "sent" for anything but a withdrawal; a rejection says why.
            models.CheckConstraint(
                condition=(Q(status=ReferralStatus.SENT) & Q(answered_at__isnull=True) & Q(answered_by__isnull=True))
                | (Q(status=ReferralStatus.WITHDRAWN))
                | (
                    Q(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.REJECTED, ReferralStatus.COMPLETED])
                    & Q(answered_at__isnull=False)
                    & Q(answered_by__isnull=False)
                ),
                name="referral_answered_when_answered",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.REJECTED) | ~Q(answer_note=""), name="referral_rejection_says_why"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=[ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN])
                    & Q(closed_at__isnull=False)
                    & Q(closed_by__isnull=False)
                    & ~Q(closing_note="")
                )
                | (
                    ~Q(status__in=[ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN])
                    & Q(closed_at__isnull=True)
                    & Q(closed_by__isnull=True)
                ),
                name="referral_closed_when_closed",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="referral_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_structure}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def on_override(self) -> bool:
        return bool(self.override_basis)

    def consents(self) -> list[Consent]:
        """The consents the referral rests on (empty for an override)."""
        return [c for c in (self.consent, self.health_consent, self.third_sector_consent) if c is not None]
