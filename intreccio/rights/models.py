"""The person's rights (GDPR art. 15-17) as tracked requests with their legal deadlines.

A request is recorded by an operator who can see the person, at the organisation that received
it; the coordination group of that organisation's ambito handles it and closes it. The deadline
follows the kind: the access report (who accessed my record) within 15 days, as the Garante's
health-dossier guidelines ask; access, rectification and erasure within one month of receipt
(art. 12(3)), extendable by two further months with a recorded reason.

The request row outlives the data it is about: after an erasure it is the accountability record
that the erasure was asked for, decided and carried out (art. 5(2)), so its link to the person
may be emptied while the row stays.
"""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Organisation
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.people.models import LegalRepresentative, Person
from intreccio.territory.models import Ambito

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
# Handling a right is an accountability duty (art. 5(2), 12): the request's own data serves it.
RIGHTS = P(Category.IDENTIFYING, Purpose.SECURITY)
OPS = P(Category.NONE, Purpose.OPERATIONS)

ACCESS_REPORT_DAYS = 15
ONE_MONTH = 1
MAX_EXTENSION_MONTHS = 2


class RequestKind(models.TextChoices):
    ACCESS_REPORT = "access_report", _("Access report (who accessed the record)")
    ACCESS = "access", _("Access and copy of the data (art. 15)")
    RECTIFICATION = "rectification", _("Rectification (art. 16)")
    ERASURE = "erasure", _("Erasure (art. 17)")


class RequestChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person at the office")
    POST = "post", _("Letter")
    EMAIL = "email", _("E-mail")
    PEC = "pec", _("Certified e-mail (PEC)")
    OTHER_SERVICE = "other_service", _("Through another service")


class Requester(models.TextChoices):
    PERSON = "person", _("The person")
    REPRESENTATIVE = "representative", _("Their legal representative")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    FULFILLED = "fulfilled", _("Delivered / fulfilled")
    REFUSED = "refused", _("Refused")


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)
CLOSED_STATUSES = (RequestStatus.FULFILLED, RequestStatus.REFUSED)


class RefusalReason(models.TextChoices):
    IDENTITY = "identity", _("Art. 12(6): the identity of the requester could not be confirmed")
    UNFOUNDED = "unfounded", _("Art. 12(5): the request is manifestly unfounded or excessive")
    RIGHTS_OF_OTHERS = "rights_of_others", _("Art. 15(4): a copy would adversely affect the rights of others")
    ACCURATE = "accurate", _("Art. 16: the data is accurate and complete, there is nothing to rectify")
    LEGAL_OBLIGATION = (
        "legal_obligation",
        _("Art. 17(3)(b): the data is needed to comply with a legal obligation or for a public-interest task"),
    )
    PUBLIC_HEALTH = "public_health", _("Art. 17(3)(c): public interest in the area of public health")
    ARCHIVING = "archiving", _("Art. 17(3)(d): archiving in the public interest, research or statistics")
    LEGAL_CLAIMS = "legal_claims", _("Art. 17(3)(e): establishment, exercise or defence of legal claims")


# The refusals the law allows for each kind of request.
REFUSALS_BY_KIND: dict[str, tuple[str, ...]] = {
    RequestKind.ACCESS_REPORT: (RefusalReason.IDENTITY, RefusalReason.UNFOUNDED),
    RequestKind.ACCESS: (RefusalReason.IDENTITY, RefusalReason.UNFOUNDED, RefusalReason.RIGHTS_OF_OTHERS),
    RequestKind.RECTIFICATION: (RefusalReason.IDENTITY, RefusalReason.UNFOUNDED, RefusalReason.ACCURATE),
    RequestKind.ERASURE: (
        RefusalReason.IDENTITY,
        RefusalReason.UNFOUNDED,
        RefusalReason.LEGAL_OBLIGATION,
        RefusalReason.PUBLIC_HEALTH,
        RefusalReason.ARCHIVING,
        RefusalReason.LEGAL_CLAIMS,
    ),
}


class ErasureDecision(models.TextChoices):
    GRANTED = "granted", _("Granted: the data is erased")
    REFUSED = "refused", _("Refused")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the last day of that month when it is shorter.

    A period in months ends on the same date of the later month, and on its last day when there
    is no such date (Reg. 1182/71 art. 3(2)(c)): 31/01 plus one month is 28/02, or 29/02.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(kind: str, received_on: datetime.date, extension_months: int = 0) -> datetime.date:
    """The deadline of a request of ``kind`` received on ``received_on``."""
    if kind == RequestKind.ACCESS_REPORT:
        return received_on + datetime.timedelta(days=ACCESS_REPORT_DAYS)
    return add_months(received_on, ONE_MONTH + extension_months)


class DataSubjectRequest(TimeStampedModel):
    """A request by a person (or their legal representative) to exercise a right over their data."""

    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_subject_requests",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("request"), max_length=16, choices=RequestKind.choices)
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("received by"), max_length=16, choices=RequestChannel.choices)
    requested_by = models.CharField(_("requested by"), max_length=16, choices=Requester.choices)
    representative = models.ForeignKey(
        LegalRepresentative,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("legal representative"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("handling organisation")
    )
    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, related_name="+", verbose_name=_("ambito"))
    due_on = models.DateField(_("answer due by"))
    extension_months = models.PositiveSmallIntegerField(_("extension (months)"), default=0)
    extension_reason = EncryptedTextField(_("reason for the extension"), blank=True)
    extended_on = models.DateField(_("extended on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    refusal_reason = models.CharField(
        _("legal reason for refusing"), max_length=24, choices=RefusalReason.choices, blank=True
    )
    outcome_note = EncryptedTextField(_("outcome"), blank=True)
    # Rectification (art. 16): what the person asks to correct, and what was corrected.
    rectification_requested = EncryptedTextField(_("what the person asks to correct"), blank=True)
    rectification_done = EncryptedTextField(_("what was corrected"), blank=True)
    # Erasure (art. 17): the decision, then its execution.
    erasure_decision = models.CharField(_("decision"), max_length=16, choices=ErasureDecision.choices, blank=True)
    erasure_decided_on = models.DateField(_("decided on"), null=True, blank=True)
    erasure_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    erased_on = models.DateField(_("erased on"), null=True, blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "person": RIGHTS,
        "kind": RIGHTS,
        "received_on": RIGHTS,
        "channel": RIGHTS,
        "requested_by": RIGHTS,
        "representative": RIGHTS,
        "recorded_by": TECH,
        "organisation": OPS,
        "ambito": OPS,
        "due_on": RIGHTS,
        "extension_months": RIGHTS,
        "extension_reason": RIGHTS,
        "extended_on": RIGHTS,
        "status": RIGHTS,
        "closed_on": RIGHTS,
        "closed_by": TECH,
        "refusal_reason": RIGHTS,
        "outcome_note": RIGHTS,
        # What a person asks to correct is their identifying data as it should be (art. 16).
        "rectification_requested": P(Category.IDENTIFYING, Purpose.CARE),
        "rectification_done": P(Category.IDENTIFYING, Purpose.CARE),
        "erasure_decision": RIGHTS,
        "erasure_decided_on": RIGHTS,
        "erasure_decided_by": TECH,
        "erased_on": RIGHTS,
    }

    class Meta:
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["ambito", "status", "due_on"], name="dsr_ambito_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="dsr_kind_known"),
            models.CheckConstraint(condition=Q(channel__in=RequestChannel.values), name="dsr_channel_known"),
            models.CheckConstraint(condition=Q(requested_by__in=Requester.values), name="dsr_requester_known"),
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="dsr_status_known"),
            models.CheckConstraint(
                condition=Q(refusal_reason="") | Q(refusal_reason__in=RefusalReason.values), name="dsr_refusal_known"
            ),
            models.CheckConstraint(condition=Q(due_on__gte=F("received_on")), name="dsr_due_after_received"),
            # Two further months at most (art. 12(3)), each one explained; the access report has none.
            models.CheckConstraint(
                condition=Q(extension_months__lte=MAX_EXTENSION_MONTHS), name="dsr_extension_at_most_two_months"
            ),
            models.CheckConstraint(
                condition=(Q(extension_months=0) & Q(extension_reason="") & Q(extended_on__isnull=True))
                | (Q(extension_months__gt=0) & ~Q(extension_reason="") & Q(extended_on__isnull=False)),
                name="dsr_extension_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RequestKind.ACCESS_REPORT) | Q(extension_months=0),
                name="dsr_access_report_not_extended",
            ),
            # Closed requests carry their date; only a refusal carries a legal reason, and always does.
            models.CheckConstraint(
                condition=(Q(status__in=CLOSED_STATUSES) & Q(closed_on__isnull=False))
                | (Q(status__in=OPEN_STATUSES) & Q(closed_on__isnull=True)),
                name="dsr_closed_has_date",
            ),
            models.CheckConstraint(
                condition=(Q(status=RequestStatus.REFUSED) & ~Q(refusal_reason=""))
                | (~Q(status=RequestStatus.REFUSED) & Q(refusal_reason="")),
                name="dsr_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("received_on")),
                name="dsr_closed_after_received",
            ),
            models.CheckConstraint(
                condition=Q(kind=RequestKind.RECTIFICATION)
                | (Q(rectification_requested="") & Q(rectification_done="")),
                name="dsr_rectification_fields_only_for_rectification",
            ),
            models.CheckConstraint(
                condition=Q(kind=RequestKind.ERASURE)
                | (Q(erasure_decision="") & Q(erasure_decided_on__isnull=True) & Q(erased_on__isnull=True)),
                name="dsr_erasure_fields_only_for_erasure",
            ),
            models.CheckConstraint(
                condition=Q(erasure_decision__in=["", *ErasureDecision.values]), name="dsr_erasure_decision_known"
            ),
            models.CheckConstraint(
                condition=(Q(erasure_decision="") & Q(erasure_decided_on__isnull=True))
                | (~Q(erasure_decision="") & Q(erasure_decided_on__isnull=False)),
                name="dsr_erasure_decision_has_date",
            ),
            # Data is erased only after the erasure was granted.
            models.CheckConstraint(
                condition=Q(erased_on__isnull=True) | Q(erasure_decision=ErasureDecision.GRANTED),
                name="dsr_erased_only_if_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.received_on:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())

    def days_left(self, today: datetime.date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    @property
    def original_due_on(self) -> datetime.date:
        return due_date(self.kind, self.received_on)

    @property
    def can_be_extended(self) -> bool:
        return self.kind != RequestKind.ACCESS_REPORT and self.extension_months < MAX_EXTENSION_MONTHS
