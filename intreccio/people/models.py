"""The shared registry: persons, households (the unit of care), ISEE declarations, consents."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Organisation
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.territory.models import Comune

ID = P(Category.IDENTIFYING, Purpose.CARE)
TECH = P(Category.TECHNICAL, Purpose.SECURITY)


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class NoFiscalCodeReason(models.TextChoices):
    """Why a person is registered without a codice fiscale: first-class cases, not errors."""

    NOT_YET_ASSIGNED = "not_yet_assigned", _("Foreign national without a codice fiscale yet")
    HOMELESS_UNKNOWN = "homeless_unknown", _("Homeless person, codice fiscale unknown")
    ANONYMOUS = "anonymous", _("Anonymous contact (the person did not give their identity)")
    PROTECTED_PSEUDONYM = "protected_pseudonym", _("Pseudonym to protect a victim of violence")
    UNKNOWN = "unknown", _("Codice fiscale not known yet")


class TargetGroup(models.TextChoices):
    YOUNG_NEET = "young_neet", _("Young people / NEET")
    DISABILITY = "disability", _("Persons with disability")
    VIOLENCE = "violence", _("Women victims of violence")
    MINORS_FAMILIES = "minors_families", _("Minors and families")
    ELDERLY = "elderly", _("Elderly / non-self-sufficient")
    MIGRANTS = "migrants", _("Migrants")
    SEVERE_MARGINALITY = "severe_marginality", _("Severe marginality / homelessness")
    MENTAL_HEALTH_ADDICTION = "mental_health_addiction", _("Mental health / addiction")
    JUDICIAL = "judicial", _("Persons under judicial measures")
    POVERTY = "poverty", _("Poverty / income support")


# Target groups whose mere presence on a record is special-category, judicial or violence data.
SENSITIVE_TARGET_GROUPS = {
    TargetGroup.DISABILITY: Category.SPECIAL,
    TargetGroup.MENTAL_HEALTH_ADDICTION: Category.SPECIAL,
    TargetGroup.VIOLENCE: Category.VIOLENCE,
    TargetGroup.JUDICIAL: Category.JUDICIAL,
}


class Person(TimeStampedModel):
    """A person known to the network. The codice fiscale is unique when present."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("surname"), max_length=100)
    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, null=True, blank=True, unique=True)
    no_fiscal_code_reason = models.CharField(
        _("reason for no codice fiscale"), max_length=32, choices=NoFiscalCodeReason.choices, blank=True
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("comune of birth")
    )
    birth_country = models.CharField(_("country of birth"), max_length=100, blank=True)
    citizenship = models.CharField(_("citizenship"), max_length=100, blank=True)
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    residence_address = EncryptedTextField(_("residence address"), max_length=200, blank=True)
    residence_comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("comune of residence")
    )
    domicile_address = EncryptedTextField(_("domicile address"), max_length=200, blank=True)
    domicile_comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("comune of domicile")
    )
    phone = EncryptedTextField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Normalised forms for the search box: lowercase, no accents or apostrophes.
    search_last_name = models.CharField(
        _("surname, normalised for search"), max_length=100, db_index=True, editable=False, default=""
    )
    search_first_name = models.CharField(
        _("first name, normalised for search"), max_length=100, editable=False, default=""
    )
    registered_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="registered_persons",
        verbose_name=_("registered by"),
        help_text=_("The organisation that first registered the person: the contact for other services."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "first_name": ID,
        "last_name": ID,
        "fiscal_code": ID,
        "no_fiscal_code_reason": P(Category.VIOLENCE, Purpose.CARE),
        "sex": ID,
        "birth_date": ID,
        "birth_comune": ID,
        "birth_country": ID,
        "citizenship": ID,
        "languages": ID,
        "residence_address": ID,
        "residence_comune": ID,
        "domicile_address": ID,
        "domicile_comune": ID,
        "phone": ID,
        "email": ID,
        "search_last_name": ID,
        "search_first_name": ID,
        "registered_by": TECH,
        "created_by": TECH,
        "version": TECH,
    }

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["search_last_name", "search_first_name"], name="person_search_name_idx"),
            models.Index(fields=["birth_date"], name="person_birth_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(last_name=""), name="person_last_name_not_blank"),
            models.CheckConstraint(condition=~Q(first_name=""), name="person_first_name_not_blank"),
            # 16 characters, or the 11-digit temporary code of a person awaiting the definitive one.
            models.CheckConstraint(
                condition=Q(fiscal_code__isnull=True) | Q(fiscal_code__regex=r"^([A-Z0-9]{16}|[0-9]{11})$"),
                name="person_fiscal_code_format",
            ),
            # Either a codice fiscale, or the reason there is none: never silently missing.
            models.CheckConstraint(
                condition=(Q(fiscal_code__isnull=False) & Q(no_fiscal_code_reason=""))
                | (Q(fiscal_code__isnull=True) & ~Q(no_fiscal_code_reason="")),
                name="person_fiscal_code_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def is_protected(self) -> bool:
        return self.no_fiscal_code_reason == NoFiscalCodeReason.PROTECTED_PSEUDONYM


class PersonTargetGroup(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="target_groups")
    group = models.CharField(_("target group"), max_length=32, choices=TargetGroup.choices)

    privacy = {"id": TECH, "person": TECH, "group": P(Category.SPECIAL, Purpose.CARE)}

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        constraints = [
            models.UniqueConstraint(fields=["person", "group"], name="persontargetgroup_unique"),
            models.CheckConstraint(condition=Q(group__in=TargetGroup.values), name="persontargetgroup_known"),
        ]

    def __str__(self) -> str:
        return self.get_group_display()


class Household(TimeStampedModel):
    """A nucleo familiare: the unit of care (seed 001:23)."""

    name = models.CharField(_("name"), max_length=200, help_text=_("Usually the reference person's surname."))
    address = EncryptedTextField(_("address"), max_length=200, blank=True)
    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("comune")
    )
    registered_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "name": ID,
        "address": ID,
        "comune": ID,
        "registered_by": TECH,
        "version": TECH,
    }

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="household_name_not_blank")]

    def __str__(self) -> str:
        return self.name


class Relationship(models.TextChoices):
    REFERENCE = "reference", _("Reference person")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Brother or sister")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    COHABITANT = "cohabitant", _("Cohabitant (not related)")


class HouseholdMember(TimeStampedModel):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="household_memberships", verbose_name=_("person")
    )
    relationship = models.CharField(_("relationship"), max_length=32, choices=Relationship.choices)
    date_in = models.DateField(_("member from"))
    date_out = models.DateField(_("member until"), null=True, blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "household": ID,
        "person": ID,
        "relationship": ID,
        "date_in": ID,
        "date_out": ID,
    }

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household", "date_in"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_out__isnull=True) | Q(date_out__gte=F("date_in")), name="householdmember_dates_ordered"
            ),
            # A person belongs to one household at a time.
            models.UniqueConstraint(
                fields=["person"], condition=Q(date_out__isnull=True), name="householdmember_one_current_household"
            ),
            models.UniqueConstraint(fields=["household", "person", "date_in"], name="householdmember_unique_start"),
            models.CheckConstraint(
                condition=Q(relationship__in=Relationship.values), name="householdmember_relationship_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.household}"


class IseeKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary ISEE")
    CURRENT = "current", _("Current ISEE (ISEE corrente)")
    MINORS = "minors", _("ISEE for benefits to minors")
    SOCIAL_HEALTH = "social_health", _("Social-health ISEE (ISEE socio-sanitario)")
    UNIVERSITY = "university", _("ISEE for university benefits")


class IseeDeclaration(TimeStampedModel):
    """An ISEE attestation of the household, valid for a period."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="isee_declarations")
    kind = models.CharField(_("type"), max_length=32, choices=IseeKind.choices, default=IseeKind.ORDINARY)
    value = models.DecimalField(_("ISEE value (€)"), max_digits=10, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    dsu_protocol = models.CharField(_("DSU protocol number"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "household": P(Category.ECONOMIC, Purpose.ELIGIBILITY),
        "kind": P(Category.ECONOMIC, Purpose.ELIGIBILITY),
        "value": P(Category.ECONOMIC, Purpose.ELIGIBILITY),
        "valid_from": P(Category.ECONOMIC, Purpose.ELIGIBILITY),
        "valid_to": P(Category.ECONOMIC, Purpose.ELIGIBILITY),
        "dsu_protocol": P(Category.ECONOMIC, Purpose.ELIGIBILITY),
        "recorded_by": TECH,
    }

    class Meta:
        verbose_name = _("ISEE declaration")
        verbose_name_plural = _("ISEE declarations")
        ordering = ["household", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="isee_value_not_negative"),
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="isee_dates_ordered"),
            models.UniqueConstraint(fields=["household", "kind", "valid_from"], name="isee_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.household} – {self.get_kind_display()} {self.value}"


class ConsentScope(models.TextChoices):
    NETWORK_SHARING = "network_sharing", _("Sharing of the social record with the services of the network")
    HEALTH_SHARING = "health_sharing", _("Sharing of health information between social and health services")
    THIRD_SECTOR = "third_sector", _("Sharing with third-sector providers of the network")
    CONTACT = "contact", _("Being contacted by the services (phone, e-mail)")


class Consent(TimeStampedModel):
    """What the person agreed may be shared, with whom, and when it was given or withdrawn."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person"))
    scope = models.CharField(_("what may be shared"), max_length=32, choices=ConsentScope.choices)
    recipient = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("with"),
        help_text=_("Leave empty when the consent covers every service of the network."),
    )
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    given_by = models.CharField(
        _("signed by"), max_length=200, help_text=_("The person, or their legal representative.")
    )
    document_reference = models.CharField(_("document reference"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "person": ID,
        "scope": ID,
        "recipient": ID,
        "given_on": ID,
        "withdrawn_on": ID,
        "given_by": ID,
        "document_reference": ID,
        "recorded_by": TECH,
    }

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["person", "-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
            ),
            models.CheckConstraint(condition=Q(scope__in=ConsentScope.values), name="consent_scope_known"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_scope_display()}"


class IncomeMeasure(models.TextChoices):
    """The national income-support measures, in the order they replaced each other (seed 001:21-23; 002:2)."""

    SIA = "sia", _("SIA – Sostegno per l'inclusione attiva")
    REI = "rei", _("ReI – Reddito di inclusione")
    RDC = "rdc", _("RdC – Reddito di cittadinanza")
    ADI = "adi", _("ADI – Assegno di inclusione")
    SFL = "sfl", _("SFL – Supporto per la formazione e il lavoro")
    NONE = "none", _("No national income measure")


class IncomeSupportStatus(models.TextChoices):
    APPLIED = "applied", _("Applied for")
    GRANTED = "granted", _("Granted")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    ENDED = "ended", _("Ended")


# The statuses whose period the household really had the measure: these periods may not overlap.
# An application is not a grant yet; a revocation (decadenza) voids the grant.
INCOME_SUPPORT_IN_EFFECT = (IncomeSupportStatus.GRANTED, IncomeSupportStatus.SUSPENDED, IncomeSupportStatus.ENDED)
# Closed statuses carry the date the measure stopped.
INCOME_SUPPORT_CLOSED = (IncomeSupportStatus.REVOKED, IncomeSupportStatus.ENDED)

ECONOMIC = P(Category.ECONOMIC, Purpose.ELIGIBILITY)


class IncomeSupport(TimeStampedModel):
    """A period of a national income measure for a household, as INPS granted (or refused) it."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="income_supports", verbose_name=_("household")
    )
    measure = models.CharField(_("measure"), max_length=8, choices=IncomeMeasure.choices)
    status = models.CharField(_("status"), max_length=16, choices=IncomeSupportStatus.choices)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"), null=True, blank=True)
    monthly_amount = models.DecimalField(_("monthly amount (€)"), max_digits=9, decimal_places=2, null=True, blank=True)
    inps_protocol = models.CharField(_("INPS protocol number"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "household": ECONOMIC,
        "measure": ECONOMIC,
        "status": ECONOMIC,
        "date_from": ECONOMIC,
        "date_to": ECONOMIC,
        "monthly_amount": ECONOMIC,
        "inps_protocol": ECONOMIC,
        "recorded_by": TECH,
    }

    class Meta:
        verbose_name = _("national income measure")
        verbose_name_plural = _("national income measures")
        ordering = ["household", "-date_from", "-pk"]
        indexes = [
            models.Index(fields=["household", "status", "date_from"], name="incomesupport_household_idx"),
            models.Index(fields=["inps_protocol"], name="incomesupport_protocol_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(measure__in=IncomeMeasure.values), name="incomesupport_measure_known"),
            models.CheckConstraint(
                condition=Q(status__in=IncomeSupportStatus.values), name="incomesupport_status_known"
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount__isnull=True) | Q(monthly_amount__gte=0),
                name="incomesupport_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(date_to__isnull=True) | Q(date_to__gte=F("date_from")), name="incomesupport_dates_ordered"
            ),
            # An ended or revoked measure says when it stopped.
            models.CheckConstraint(
                condition=~Q(status__in=INCOME_SUPPORT_CLOSED) | Q(date_to__isnull=False),
                name="incomesupport_closed_has_end",
            ),
            # "No measure" has nothing INPS could have paid or numbered.
            models.CheckConstraint(
                condition=~Q(measure=IncomeMeasure.NONE) | (Q(monthly_amount__isnull=True) & Q(inps_protocol="")),
                name="incomesupport_none_has_no_amount",
            ),
            # The same INPS protocol is recorded once per household: what makes a re-import a no-op.
            models.UniqueConstraint(
                fields=["household", "measure", "inps_protocol"],
                condition=~Q(inps_protocol=""),
                name="incomesupport_unique_protocol",
            ),
            # Overlapping periods in effect are refused by a trigger / exclusion constraint (migration 0004).
        ]

    def __str__(self) -> str:
        return f"{self.household} – {self.get_measure_display()} ({self.get_status_display()})"

    def in_effect_on(self, day: datetime.date) -> bool:
        return (
            self.status in INCOME_SUPPORT_IN_EFFECT
            and self.date_from <= day
            and (self.date_to is None or self.date_to >= day)
        )


class LegalRepresentativeKind(models.TextChoices):
    SUPPORT_ADMINISTRATOR = "support_administrator", _("amministratore di sostegno")
    GUARDIAN = "guardian", _("tutore")
    CURATOR = "curator", _("curatore")


# A court measure on a person's capacity tells of their health or disability (GDPR art. 9).
CAPACITY = P(Category.SPECIAL, Purpose.CARE)


class LegalRepresentative(TimeStampedModel):
    """Who acts and signs in the person's place, appointed by a court decree (tribunale)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="legal_representatives", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=LegalRepresentativeKind.choices)
    full_name = models.CharField(_("name of the representative"), max_length=200)
    fiscal_code = models.CharField(_("codice fiscale of the representative"), max_length=16, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    court = models.CharField(_("court (tribunale)"), max_length=200)
    decree_number = models.CharField(_("decree number"), max_length=60, blank=True)
    decree_date = models.DateField(_("decree date"))
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "person": CAPACITY,
        "kind": CAPACITY,
        "full_name": ID,
        "fiscal_code": ID,
        "contact": ID,
        "court": CAPACITY,
        "decree_number": CAPACITY,
        "decree_date": CAPACITY,
        "date_from": CAPACITY,
        "date_to": CAPACITY,
        "recorded_by": TECH,
    }

    class Meta:
        verbose_name = _("legal representative")
        verbose_name_plural = _("legal representatives")
        ordering = ["person", "-date_from", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LegalRepresentativeKind.values), name="legalrep_kind_known"),
            models.CheckConstraint(condition=~Q(full_name=""), name="legalrep_name_not_blank"),
            models.CheckConstraint(condition=~Q(court=""), name="legalrep_court_not_blank"),
            models.CheckConstraint(
                condition=Q(fiscal_code="") | Q(fiscal_code__regex=r"^([A-Z0-9]{16}|[0-9]{11})$"),
                name="legalrep_fiscal_code_format",
            ),
            models.CheckConstraint(
                condition=Q(date_to__isnull=True) | Q(date_to__gte=F("date_from")), name="legalrep_dates_ordered"
            ),
            # The appointment takes effect with or after the decree, never before it.
            models.CheckConstraint(condition=Q(date_from__gte=F("decree_date")), name="legalrep_from_after_decree"),
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(date_to__isnull=True), name="legalrep_one_current_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_kind_display()})"

    def current_on(self, day: datetime.date) -> bool:
        return self.date_from <= day and (self.date_to is None or self.date_to >= day)
