"""Meetings of a case's team: convocation, invitees and attendance, minutes, decisions, mediators.

The case manager convenes the multidisciplinary team (also by e-mail, seed 001:126-130); a
meeting may need a linguistic-cultural mediator from the ambito's on-call roster (004:1027-1032).
``Meeting.case`` is nullable so that the meetings of governance bodies (Cabina di regia, Comitato
tecnico) can live here later; today every meeting belongs to a case.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Organisation
from intreccio.cases.models import Case
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.meetings.languages import language_name
from intreccio.territory.models import Ambito, Comune, SubAmbito

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
OPS = P(Category.NONE, Purpose.OPERATIONS)
CARE = P(Category.IDENTIFYING, Purpose.CARE)
SPECIAL = P(Category.SPECIAL, Purpose.CARE)
STAFF = P(Category.IDENTIFYING, Purpose.OPERATIONS)


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(TimeStampedModel):
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings", verbose_name=_("case")
    )
    # The iCalendar UID: calendars match a rescheduling or a cancellation to the invitation by it.
    uid = models.UUIDField(_("calendar identifier"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video-call link"), max_length=500, blank=True)
    agenda = EncryptedTextField(_("agenda"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("convened by")
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    minutes = EncryptedTextField(_("minutes"), blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes written by"),
    )
    # iCalendar SEQUENCE: raised by every change the invitees' calendars must apply.
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "case": CARE,
        "uid": TECH,
        "title": CARE,
        "starts_at": CARE,
        "ends_at": CARE,
        "place": CARE,
        "video_link": CARE,
        # What the team discusses may touch health or other art. 9 matters.
        "agenda": SPECIAL,
        "status": CARE,
        "convened_by": CARE,
        "cancel_reason": CARE,
        "minutes": SPECIAL,
        "minutes_by": CARE,
        "sequence": TECH,
        "version": TECH,
    }

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["case", "starts_at"], name="meeting_case_starts_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(condition=Q(status__in=MeetingStatus.values), name="meeting_status_known"),
            models.CheckConstraint(condition=~Q(place="") | ~Q(video_link=""), name="meeting_has_place_or_link"),
            models.CheckConstraint(condition=~Q(title=""), name="meeting_title_not_blank"),
            models.CheckConstraint(
                condition=Q(status=MeetingStatus.CANCELLED) | Q(cancel_reason=""),
                name="meeting_cancel_reason_only_if_cancelled",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="meeting_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%d/%m/%Y})"

    @property
    def is_planned(self) -> bool:
        return self.status == MeetingStatus.PLANNED


class Attendance(models.TextChoices):
    INVITED = "invited", _("Invited")
    PRESENT = "present", _("Present")
    ABSENT_EXCUSED = "absent_excused", _("Absent, excused")
    ABSENT = "absent", _("Absent")


class MeetingInvitee(TimeStampedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitees", verbose_name=_("meeting"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="meeting_invitations",
        verbose_name=_("operator"),
    )
    attendance = models.CharField(
        _("attendance"), max_length=16, choices=Attendance.choices, default=Attendance.INVITED
    )

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "meeting": CARE,
        "operator": CARE,
        "attendance": CARE,
    }

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        ordering = ["meeting", "operator__last_name", "operator__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "operator"], name="meetinginvitee_one_per_operator"),
            models.CheckConstraint(
                condition=Q(attendance__in=Attendance.values), name="meetinginvitee_attendance_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operator} – {self.get_attendance_display()}"


class Decision(TimeStampedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("meeting"))
    # Kept on the row (not only through the meeting) so the case page lists its decisions directly.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions", verbose_name=_("case")
    )
    text = EncryptedTextField(_("decision"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_decisions", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "meeting": CARE,
        "case": CARE,
        "text": SPECIAL,
        "owner": CARE,
        "due_on": CARE,
        "recorded_by": TECH,
    }

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["case", "due_on"], name="decision_case_due_idx")]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="decision_text_not_blank")]

    def __str__(self) -> str:
        return f"{self.text[:60]} – {self.owner}"


class Mediator(TimeStampedModel):
    """A linguistic-cultural mediator on the ambito's on-call roster ("a chiamata", 004:1030)."""

    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, related_name="mediators", verbose_name=_("ambito"))
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediators",
        verbose_name=_("organisation"),
        help_text=_("The cooperative or association the mediator works through, if any."),
    )
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # ISO 639-1 codes separated by one space ("ar fr"): searchable with plain string lookups on
    # SQLite and PostgreSQL alike, where JSON containment is not portable.
    languages = models.CharField(_("languages"), max_length=200)
    # No area at all means the whole ambito.
    sub_ambiti = models.ManyToManyField(SubAmbito, blank=True, related_name="+", verbose_name=_("sub-ambiti"))
    comuni = models.ManyToManyField(Comune, blank=True, related_name="+", verbose_name=_("comuni"))
    is_active = models.BooleanField(_("active"), default=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "ambito": OPS,
        "name": STAFF,
        "organisation": OPS,
        "email": STAFF,
        "phone": STAFF,
        "languages": OPS,
        "sub_ambiti": OPS,
        "comuni": OPS,
        "is_active": OPS,
    }

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(languages__regex=r"^[a-z]{2}( [a-z]{2})*$"), name="mediator_languages_codes"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="mediator_name_not_blank"),
            models.UniqueConstraint(fields=["ambito", "email"], name="mediator_one_per_email_in_ambito"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_codes(self) -> list[str]:
        return self.languages.split()

    @property
    def language_names(self) -> list[str]:
        return [language_name(code) for code in self.language_codes]


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_BOOKING = Q(status__in=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED])


class MediatorBooking(TimeStampedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("meeting"))
    mediator = models.ForeignKey(
        Mediator, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("mediator")
    )
    language = models.CharField(_("language"), max_length=2)
    status = models.CharField(
        _("status"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "meeting": CARE,
        "mediator": CARE,
        # The language a person needs hints at their origin (GDPR art. 9: ethnic origin).
        "language": SPECIAL,
        "status": CARE,
        "requested_by": TECH,
    }

    class Meta:
        verbose_name = _("mediator booking")
        verbose_name_plural = _("mediator bookings")
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="mediatorbooking_status_known"),
            models.CheckConstraint(condition=Q(language__regex=r"^[a-z]{2}$"), name="mediatorbooking_language_code"),
            models.UniqueConstraint(
                fields=["meeting", "mediator"], condition=ACTIVE_BOOKING, name="mediatorbooking_one_active_per_mediator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mediator} – {language_name(self.language)}"

    @property
    def language_label(self) -> str:
        return language_name(self.language)
