"""Who answers for the processing: the controller of an ambito's register (GDPR art. 30(1)(a)).

The ambito's services are run jointly by its comuni through a lead organisation (the ente capofila
of the Piano di Zona), which the administrator designates here together with the contact of the
data protection officer (RPD); the register of processing names them.

The unusual-access review keeps a summary of each closed day of the access log (``ReviewDay`` and
its rows), so a month's review reads a few thousand summary rows instead of millions of reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Organisation
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.territory.models import Ambito

NONE = P(Category.NONE, Purpose.OPERATIONS)
TECH = P(Category.TECHNICAL, Purpose.OPERATIONS)
# The DPO's name and office contact identify an employee acting in that capacity.
CONTACT = P(Category.IDENTIFYING, Purpose.OPERATIONS)


class ControllerDesignation(TimeStampedModel):
    ambito = models.OneToOneField(Ambito, on_delete=models.PROTECT, related_name="+", verbose_name=_("ambito"))
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead organisation (controller)")
    )
    dpo_name = models.CharField(_("data protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("data protection officer's e-mail"), blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "ambito": NONE,
        "lead_organisation": NONE,
        "dpo_name": CONTACT,
        "dpo_email": CONTACT,
    }

    class Meta:
        verbose_name = _("controller designation")
        verbose_name_plural = _("controller designations")

    def __str__(self) -> str:
        return f"{self.ambito} – {self.lead_organisation}"


# --- per-day summaries of the unusual-access review (intreccio.oversight.review) -------------------

# What was read by whom, derived from the access log and kept, like it, for accountability only.
REVIEW = P(Category.TECHNICAL, Purpose.SECURITY)


class ReviewDay(models.Model):
    """One closed local day of the access log, summarised once for the unusual-access review.

    The access log is append-only, so a closed day's findings never change; the rows of the day
    with ``seq`` up to ``last_seq`` are counted. Should a row with a higher ``seq`` ever be written
    with a time in this day (a late row), the review finds it (it has checked every row up to
    ``checked_seq``) and computes the day again; so it does when the rules change (``rules``).
    """

    day = models.DateField(_("day"), unique=True)
    rules = models.CharField(_("rules"), max_length=64)
    last_seq = models.BigIntegerField(_("last access record counted"))
    checked_seq = models.BigIntegerField(_("access records checked up to"))
    reads = models.PositiveIntegerField(_("reads"))
    computed_at = models.DateTimeField(_("computed at"))

    privacy = dict.fromkeys(("id", "day", "rules", "last_seq", "checked_seq", "reads", "computed_at"), REVIEW)

    class Meta:
        verbose_name = _("summarised review day")
        verbose_name_plural = _("summarised review days")

    def __str__(self) -> str:
        return f"{self.day} (#{self.last_seq})"


class ReviewOperatorDay(models.Model):
    """One operator's day: distinct records read and reads off hours (rules a and b)."""

    summary = models.ForeignKey(ReviewDay, on_delete=models.CASCADE, related_name="operators")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("operator")
    )
    username = models.CharField(_("username"), max_length=150)
    records = models.PositiveIntegerField(_("distinct records"))
    off_reads = models.PositiveIntegerField(_("reads off hours"))
    first_off = models.DateTimeField(_("first read off hours"), null=True)
    last_off = models.DateTimeField(_("last read off hours"), null=True)

    privacy = dict.fromkeys(
        ("id", "summary", "actor", "username", "records", "off_reads", "first_off", "last_off"), REVIEW
    )

    class Meta:
        verbose_name = _("operator's day in the review")
        verbose_name_plural = _("operators' days in the review")

    def __str__(self) -> str:
        return f"{self.username}: {self.records}"


class ReviewCaseRead(models.Model):
    """One operator's reads in a day of a case outside their organisation's ambito (rule c)."""

    summary = models.ForeignKey(ReviewDay, on_delete=models.CASCADE, related_name="case_reads")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("operator")
    )
    username = models.CharField(_("username"), max_length=150)
    organisation_id = models.BigIntegerField(_("organisation"))
    organisation_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    # The case by id, as the access record names it: a case erased later stays a finding.
    case_id = models.BigIntegerField(_("case"))
    case_ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, related_name="+", verbose_name=_("case's ambito"))
    reads = models.PositiveIntegerField(_("reads"))
    first = models.DateTimeField(_("first read"))
    last = models.DateTimeField(_("last read"))
    # Bases of the reads (the purposes' prefixes such as "referral"; "" for the team or group).
    bases = models.JSONField(_("on the basis of"), default=list)

    privacy = dict.fromkeys(
        (
            "id", "summary", "actor", "username", "organisation_id", "organisation_name", "case_id",
            "case_ambito", "reads", "first", "last", "bases",
        ),
        REVIEW,
    )  # fmt: skip

    class Meta:
        verbose_name = _("read of another ambito's case in the review")
        verbose_name_plural = _("reads of another ambito's cases in the review")

    def __str__(self) -> str:
        return f"{self.username}: case {self.case_id}"


class ReviewGlassRead(models.Model):
    """One operator's reads in a day of one object through break-the-glass (rule d)."""

    summary = models.ForeignKey(ReviewDay, on_delete=models.CASCADE, related_name="glass_reads")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("operator")
    )
    username = models.CharField(_("username"), max_length=150)
    organisation_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    reads = models.PositiveIntegerField(_("reads"))
    first = models.DateTimeField(_("first read"))
    last = models.DateTimeField(_("last read"))

    privacy = dict.fromkeys(
        (
            "id", "summary", "actor", "username", "organisation_name", "object_type", "object_id", "reads",
            "first", "last",
        ),
        REVIEW,
    )  # fmt: skip

    class Meta:
        verbose_name = _("break-the-glass read in the review")
        verbose_name_plural = _("break-the-glass reads in the review")

    def __str__(self) -> str:
        return f"{self.username}: {self.object_type}:{self.object_id}"
