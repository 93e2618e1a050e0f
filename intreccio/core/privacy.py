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
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


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


# --- legal basis and retention per category (GDPR art. 6, 9, 10, 30; SECURITY.md R1, R13) -------


@dataclass(frozen=True)
class LegalBasis:
    """Why the processing is lawful: the art. 6 condition and, for special and judicial data, the
    art. 9 / art. 10 condition with the Italian provision that grounds it."""

    art6: StrOrPromise
    special: StrOrPromise = ""  # art. 9(2) or art. 10 condition; empty for common data


PUBLIC_TASK = _(
    "Art. 6(1)(e): public interest task of the social services (L. 328/2000; D.Lgs. 147/2017; "
    "D.L. 48/2023 for the national income measures)"
)

LEGAL_BASIS: dict[str, LegalBasis] = {
    Category.NONE: LegalBasis(art6=_("Not personal data")),
    Category.TECHNICAL: LegalBasis(
        art6=_("Art. 6(1)(c): legal obligation to keep processing secure and accountable (GDPR art. 5(2), 32)")
    ),
    Category.IDENTIFYING: LegalBasis(art6=PUBLIC_TASK),
    Category.ECONOMIC: LegalBasis(art6=_("Art. 6(1)(c) and (e): ISEE and income-support rules (DPCM 159/2013)")),
    Category.SPECIAL: LegalBasis(
        art6=PUBLIC_TASK,
        special=_(
            "Art. 9(2)(g) and (h): substantial public interest in social assistance "
            "(D.Lgs. 196/2003 art. 2-sexies(2)(s)) and social and health care"
        ),
    ),
    Category.JUDICIAL: LegalBasis(
        art6=PUBLIC_TASK,
        special=_("Art. 10: processing authorised by law (D.Lgs. 196/2003 art. 2-octies; O.P. L. 354/1975)"),
    ),
    Category.MINOR: LegalBasis(
        art6=PUBLIC_TASK,
        special=_("Art. 9(2)(g): protection of minors (L. 184/1983; D.Lgs. 196/2003 art. 2-sexies(2)(s))"),
    ),
    Category.VIOLENCE: LegalBasis(
        art6=PUBLIC_TASK,
        special=_("Art. 9(2)(g): protection of victims of violence (L. 69/2019; D.Lgs. 196/2003 art. 2-sexies(2)(s))"),
    ),
}


class RetentionTrigger(models.TextChoices):
    CASE_CLOSED = "case_closed", _("after the case is closed")
    LAST_ACTIVITY = "last_activity", _("after the last activity on the record")
    RECORDED = "recorded", _("after the row was written")


class RetentionAction(models.TextChoices):
    ANONYMISE = "anonymise", _("anonymised (kept for statistics without identity)")
    DELETE = "delete", _("deleted")
    KEEP = "keep", _("kept (append-only accountability record)")


@dataclass(frozen=True)
class Retention:
    """How long data of one category is kept, from what moment, and what happens then.

    A legal hold on a person or a case suspends every purge and anonymisation that would touch it.
    """

    months: int
    trigger: RetentionTrigger
    action: RetentionAction


# The default schedule: ten years after closure is the ordinary limitation period (c.c. art. 2946)
# for the administrative acts a case contains; audit rows are kept well beyond the Garante's
# 24-month minimum for access logs because they are what a person's access report is built from.
RETENTION: dict[str, Retention] = {
    Category.NONE: Retention(0, RetentionTrigger.RECORDED, RetentionAction.KEEP),
    Category.TECHNICAL: Retention(120, RetentionTrigger.RECORDED, RetentionAction.KEEP),
    Category.IDENTIFYING: Retention(120, RetentionTrigger.CASE_CLOSED, RetentionAction.ANONYMISE),
    Category.ECONOMIC: Retention(120, RetentionTrigger.CASE_CLOSED, RetentionAction.ANONYMISE),
    Category.SPECIAL: Retention(120, RetentionTrigger.CASE_CLOSED, RetentionAction.DELETE),
    Category.JUDICIAL: Retention(60, RetentionTrigger.CASE_CLOSED, RetentionAction.DELETE),
    Category.MINOR: Retention(120, RetentionTrigger.CASE_CLOSED, RetentionAction.DELETE),
    Category.VIOLENCE: Retention(120, RetentionTrigger.CASE_CLOSED, RetentionAction.DELETE),
}
# Minimum for the access log (Garante, health-dossier guidelines): the purge job never goes below.
AUDIT_MINIMUM_MONTHS = 24
# A person known to the network without any case (an intake that went no further): kept this long.
NO_CASE_RETENTION_MONTHS = 24


# --- the register of processing activities (GDPR art. 30(1)) and the DPIA (art. 35) ----------------


@dataclass(frozen=True)
class Activity:
    """What the register says about one processing activity (one ``Purpose``) beyond its fields:
    what is done, about whom (art. 30(1)(c)) and to whom the data may be disclosed (art. 30(1)(d))."""

    description: StrOrPromise
    subjects: tuple[StrOrPromise, ...]
    recipients: tuple[StrOrPromise, ...]


ACTIVITIES: dict[str, Activity] = {
    Purpose.CARE: Activity(
        description=_(
            "Front-door intake, integrated assessment, taking in charge by a multi-professional team, the "
            "personalised project and its pact, meetings and monitoring of the care path."
        ),
        subjects=(
            _("Persons who turn to the social services and are taken in charge"),
            _("Members of their household, minors included"),
            _("Legal representatives (guardians, support administrators)"),
        ),
        recipients=(
            _(
                "The organisations of the case's team (comune, health trust, employment centre, providers), each "
                "for the sections its role is granted"
            ),
            _("The coordination group of the ambito (common and work sections only)"),
            _("Recipients of a referral, with the person's consent or a recorded legal basis"),
            _("Judicial authorities (juvenile court, supervision office) where the law requires it"),
        ),
    ),
    Purpose.ELIGIBILITY: Activity(
        description=_(
            "Checking the conditions for services, benefits and the national income measures (ISEE, ADI, SFL) "
            "and importing the lists of beneficiaries."
        ),
        subjects=(
            _("Applicants and beneficiaries of income-support measures"),
            _("Members of their household"),
        ),
        recipients=(
            _("INPS and the national platforms of the income measures, as their rules require"),
            _("The employment centre for the work path (patto di servizio)"),
        ),
    ),
    Purpose.PLANNING: Activity(
        description=_(
            "Planning and evaluating the ambito's services (Piano di Zona) on aggregated figures; small cells "
            "suppressed, codici fiscali replaced by a keyed hash in observatory extracts."
        ),
        subjects=(_("Persons taken in charge, in aggregated or pseudonymised form"),),
        recipients=(
            _("The Ufficio di Piano and the ambito's assembly (aggregated figures)"),
            _("The regional observatory (pseudonymised extracts)"),
        ),
    ),
    Purpose.OPERATIONS: Activity(
        description=_("Running the service: accounts of operators, organisations, structures, teams, configuration."),
        subjects=(_("Operators of the network's organisations"),),
        recipients=(
            _("The ambito's administrators"),
            _("The hosting provider, as processor under art. 28"),
        ),
    ),
    Purpose.SECURITY: Activity(
        description=_(
            "Accountability and security: access log of every read of a person, case or sensitive section, "
            "hash-chained activity log, login attempts and lockouts, change history."
        ),
        subjects=(
            _("Operators (who read or changed what, and when)"),
            _("Persons whose records were read (in the access log)"),
        ),
        recipients=(
            _("The auditor and the data protection officer"),
            _("The person concerned, through the access report (art. 15)"),
            _("The supervisory authority and judicial authorities on request"),
        ),
    ),
}

# The categories that call for a data protection impact assessment (art. 35(3)(b)): data of art. 9
# and 10, minors and victims of violence (vulnerable subjects, Garante's list of 11/10/2018).
DPIA_CATEGORIES: frozenset[str] = frozenset({Category.SPECIAL, Category.JUDICIAL, Category.MINOR, Category.VIOLENCE})

# The main risk per category and the measures that answer it, for the DPIA inventory.
DPIA_NOTES: dict[str, StrOrPromise] = {
    Category.SPECIAL: _(
        "Disclosure of health or disability to operators without a need to know (e.g. the employment centre): "
        "sections by role, access log, encryption of narratives."
    ),
    Category.JUDICIAL: _(
        "Stigma and discrimination if criminal proceedings or measures become known: judicial section only for "
        "social workers and case managers of the team, shorter retention."
    ),
    Category.MINOR: _(
        "Minors cannot defend their own interests: minors-and-court section for the team's social workers, case "
        "managers and educators only."
    ),
    Category.VIOLENCE: _(
        "Physical danger if an aggressor learns where the victim is: violence section never opened by "
        "break-the-glass, protected pseudonym instead of the codice fiscale, blackout at the person's request."
    ),
}
