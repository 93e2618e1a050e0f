"""The register of processing activities (GDPR art. 30) and the DPIA inventory (art. 35), generated.

Nothing here is written by hand about individual fields: every line comes from the ``privacy``
declarations of the models (SECURITY.md R1), the legal basis and retention per category
(``intreccio.core.privacy``), the section rules of ``intreccio.cases.permissions`` and the field
classes (``encrypted = True`` on an encrypted field). A new field shows up in the register the day it
is classified; an unclassified one is listed as such (and fails the classification test).

What the declarations cannot say is where a sensitive field is read in the interface: ``LOCATIONS``
describes it per model, and a test fails when a model holding special, judicial, minors' or
violence data has no description, so the DPIA inventory cannot fall behind the code.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intreccio.accounts.models import Role
from intreccio.accounts.permissions import COORDINATION_ROLES
from intreccio.cases.models import Section
from intreccio.cases.permissions import COORDINATION_SECTIONS, ROLE_SECTIONS
from intreccio.core.privacy import (
    ACTIVITIES,
    DPIA_CATEGORIES,
    DPIA_NOTES,
    LEGAL_BASIS,
    RETENTION,
    Activity,
    Category,
    LegalBasis,
    P,
    Purpose,
    Retention,
    StrOrPromise,
    classifiable_fields,
    intreccio_models,
    unclassified_fields,
)
from intreccio.oversight.models import ControllerDesignation
from intreccio.territory.models import Ambito

# The order in which activities and categories are told: the person's care first, accounts last.
PURPOSE_ORDER = (Purpose.CARE, Purpose.ELIGIBILITY, Purpose.PLANNING, Purpose.OPERATIONS, Purpose.SECURITY)
CATEGORY_ORDER = tuple(Category.values)


# --- the fields ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldEntry:
    """One classified field, with the names a reader of the register understands."""

    code: str  # "people.Person.last_name"
    model_label: str  # "people.Person"
    model_name: str  # "Person" (verbose name, in the active language)
    field_name: str
    field_label: str
    table: str
    category: str
    purpose: str
    encrypted: bool


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field):  # classifiable fields are concrete or many-to-many
        raise TypeError(f"{model._meta.label}.{name} is not a field")
    return found


def field_entries() -> list[FieldEntry]:
    """Every classified field of every Intreccio model, in a stable order."""
    entries: list[FieldEntry] = []
    for model in sorted(intreccio_models(), key=lambda m: m._meta.label):
        declared: dict[str, P] = getattr(model, "privacy", {})
        for name in classifiable_fields(model):
            classification = declared.get(name)
            if classification is None:
                continue  # listed by unclassified_fields()
            model_field = _field(model, name)
            entries.append(
                FieldEntry(
                    code=f"{model._meta.label}.{name}",
                    model_label=model._meta.label,
                    model_name=str(capfirst(model._meta.verbose_name)),
                    field_name=name,
                    field_label=str(capfirst(model_field.verbose_name)),
                    table=model._meta.db_table,
                    category=str(classification.category),
                    purpose=str(classification.purpose),
                    encrypted=getattr(model_field, "encrypted", False) is True,
                )
            )
    return entries


def retention_text(retention: Retention) -> str:
    if retention.action == "keep" and retention.months == 0:
        return _("kept while the configuration is in use")
    return _("%(months)s months %(trigger)s, then %(action)s") % {
        "months": retention.months,
        "trigger": retention.trigger.label,
        "action": retention.action.label,
    }


# --- the register ---------------------------------------------------------------------------------------


@dataclass
class ModelFields:
    model_label: str
    model_name: str
    fields: list[FieldEntry]

    @property
    def field_names(self) -> str:
        return ", ".join(f.field_label for f in self.fields)


@dataclass
class CategoryBlock:
    category: str
    label: str
    basis: LegalBasis
    retention: str
    models: list[ModelFields]

    @property
    def field_count(self) -> int:
        return sum(len(m.fields) for m in self.models)


@dataclass
class ActivityBlock:
    purpose: str
    label: str
    activity: Activity
    categories: list[CategoryBlock]

    @property
    def field_count(self) -> int:
        return sum(c.field_count for c in self.categories)


@dataclass(frozen=True)
class Measure:
    requirement: str
    title: str
    detail: str


@dataclass
class Register:
    ambito: Ambito | None
    designation: ControllerDesignation | None
    activities: list[ActivityBlock]
    non_personal: list[ModelFields]
    measures: list[Measure]
    encrypted: list[FieldEntry]
    unclassified: list[str]
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    def entries(self) -> Iterator[FieldEntry]:
        """Every field the register lists, each once: under its activity, or among non-personal data."""
        for activity in self.activities:
            for block in activity.categories:
                for group in block.models:
                    yield from group.fields
        for group in self.non_personal:
            yield from group.fields


def _group_by_model(entries: list[FieldEntry]) -> list[ModelFields]:
    groups: dict[str, ModelFields] = {}
    for entry in entries:
        group = groups.setdefault(entry.model_label, ModelFields(entry.model_label, entry.model_name, []))
        group.fields.append(entry)
    return sorted(groups.values(), key=lambda g: (g.model_name.casefold(), g.model_label))


def _url_exists(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def security_measures(encrypted: list[FieldEntry]) -> list[Measure]:
    """The measures of art. 32 the application implements (art. 30(1)(g)), with their settings."""
    idle = int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
    absolute = int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600)
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    measures = [
        Measure(
            "R2, R3",
            _("Need-to-know access by case and section"),
            _(
                "A case is visible only to its team, the coordination group of its ambito and whoever holds a "
                "recorded reason (an active referral, an emergency grant); inside a case each role reads only "
                "the sections it is granted (health, disability, violence, minors and court, judicial)."
            ),
        ),
        Measure(
            "R4",
            _("Access log"),
            _(
                "Every read of a person, a case, a sensitive section or an export is recorded with who, role, "
                "organisation, when, object, section and purpose in the same transaction; if the record cannot "
                "be written, the read fails."
            ),
        ),
        Measure(
            "R6",
            _("Tamper-evident audit trail"),
            _(
                "Access and activity logs are append-only (database triggers refuse changes) and hash-chained "
                "with a key kept outside the database; 'manage.py audit_verify' finds a forged, edited or deleted "
                "row."
            ),
        ),
        Measure(
            "R14",
            _("Strong authentication"),
            _(
                "Passwords of at least 12 characters and a mandatory second factor (TOTP) for every operator; "
                "the password is asked again before sensitive actions."
            ),
        ),
        Measure(
            "R15",
            _("Lockout of repeated failures"),
            _(
                "%(limit)s failed sign-ins for the same username from the same address lock it for %(minutes)s "
                "minutes; every failure gets the same message; lockouts are logged."
            )
            % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": cool_off},
        ),
        Measure(
            "R16",
            _("Sessions"),
            _(
                "Sessions end after %(idle)s minutes without activity and %(absolute)s hours in all; a new "
                "session id at sign-in; Secure, HttpOnly and SameSite cookies."
            )
            % {"idle": idle, "absolute": absolute},
        ),
        Measure(
            "R17",
            _("Web application hardening"),
            _(
                "CSRF protection, a Content-Security-Policy without inline scripts, HSTS, nosniff, a same-origin "
                "referrer policy and no framing by other sites."
            ),
        ),
    ]
    if encrypted:
        measures.append(
            Measure(
                "R12",
                _("Encryption at rest of sensitive narratives"),
                _("%(count)s fields are encrypted in the application with keys kept outside the database: %(fields)s.")
                % {
                    "count": len(encrypted),
                    "fields": "; ".join(f"{e.model_name} – {e.field_label}" for e in encrypted),
                },
            )
        )
    if _url_exists("breakglass:review_queue"):
        measures.append(
            Measure(
                "R8",
                _("Emergency access (break-the-glass)"),
                _(
                    "Only with a reason, for a limited time, reviewed by a supervisor and listed for the auditor; "
                    "never on the violence section."
                ),
            )
        )
    if _url_exists("blackout:register"):
        measures.append(
            Measure(
                "R21",
                _("Blackout at the person's request"),
                _("A note, document or episode can be hidden from every service but the one that wrote it."),
            )
        )
    return measures


def controller_for(ambito: Ambito | None) -> ControllerDesignation | None:
    if ambito is None:
        return None
    return ControllerDesignation.objects.select_related("lead_organisation", "ambito").filter(ambito=ambito).first()


def build_register(ambito: Ambito | None) -> Register:
    """The register of ``ambito`` (its controller from the database), in the active language."""
    entries = field_entries()
    personal = [e for e in entries if e.category != Category.NONE]
    activities = []
    for purpose in PURPOSE_ORDER:
        in_purpose = [e for e in personal if e.purpose == purpose]
        if not in_purpose:
            continue
        blocks = []
        for category in CATEGORY_ORDER:
            in_category = [e for e in in_purpose if e.category == category]
            if not in_category:
                continue
            blocks.append(
                CategoryBlock(
                    category=category,
                    label=str(Category(category).label),
                    basis=LEGAL_BASIS[category],
                    retention=retention_text(RETENTION[category]),
                    models=_group_by_model(in_category),
                )
            )
        activities.append(
            ActivityBlock(
                purpose=purpose, label=str(Purpose(purpose).label), activity=ACTIVITIES[purpose], categories=blocks
            )
        )
    encrypted = [e for e in entries if e.encrypted]
    return Register(
        ambito=ambito,
        designation=controller_for(ambito),
        activities=activities,
        non_personal=_group_by_model([e for e in entries if e.category == Category.NONE]),
        measures=security_measures(encrypted),
        encrypted=encrypted,
        unclassified=unclassified_fields(),
    )


# --- the DPIA inventory -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a model's sensitive fields are read, and what decides who reads them.

    ``sections``: the case sections that gate the fields (every reader of one of them reads them);
    ``per_row``: each row carries its own section (a note, a goal), so it is read by the readers of
    that section; neither: the data lives outside a case, and ``readers`` says who sees it.
    """

    where: StrOrPromise
    sections: tuple[str, ...] = ()
    per_row: bool = False
    readers: StrOrPromise = ""
    note: StrOrPromise = ""


REGISTRY = gettext_lazy(
    "Operators of the registry roles whose organisation has a reason to see the person (it registered them, "
    "received their intake or works on their case)"
)
INTAKE_READERS = gettext_lazy(
    "The front-door roles of the organisation that received the intake; once forwarded, the coordination group "
    "of the ambito"
)
PLAN_NOTE = gettext_lazy("The case manager plans every part of the project and reads every section of it.")

LOCATIONS: dict[str, Location] = {
    "people.Person": Location(gettext_lazy("Person registry"), readers=REGISTRY),
    "people.PersonTargetGroup": Location(gettext_lazy("Person registry"), readers=REGISTRY),
    "people.LegalRepresentative": Location(gettext_lazy("Person registry"), readers=REGISTRY),
    "access.Intake": Location(gettext_lazy("Front-door intake"), readers=INTAKE_READERS),
    "access.PreAssessment": Location(gettext_lazy("Front-door pre-assessment"), readers=INTAKE_READERS),
    "cases.Case": Location(gettext_lazy("Case page"), sections=(Section.COMMON,)),
    "cases.CaseNote": Location(
        gettext_lazy("Case notes"),
        per_row=True,
        note=gettext_lazy(
            "Notes of a service that keeps its notes to itself (e.g. SerD) are read only within that service; "
            "a blacked-out note only by the service that wrote it."
        ),
    ),
    "cases.CaseEventText": Location(
        gettext_lazy("Case timeline"),
        sections=(Section.COMMON,),
        note=gettext_lazy("The words written with a case event (why it was suspended, returned, re-opened)."),
    ),
    "plans.Plan": Location(gettext_lazy("Personalised project"), sections=(Section.COMMON,)),
    "plans.Pact": Location(gettext_lazy("Pact (printed)"), sections=(Section.COMMON,)),
    "plans.Goal": Location(gettext_lazy("Personalised project"), per_row=True, note=PLAN_NOTE),
    "plans.Commitment": Location(gettext_lazy("Personalised project"), per_row=True, note=PLAN_NOTE),
    "plans.PlannedIntervention": Location(gettext_lazy("Personalised project"), per_row=True, note=PLAN_NOTE),
    "plans.Deviation": Location(
        gettext_lazy("Project validation"),
        per_row=True,
        note=gettext_lazy("A deviation about a service is read in that service's section."),
    ),
    "plans.Validation": Location(gettext_lazy("Project validation"), sections=(Section.COMMON,)),
    "plans.CheckIn": Location(gettext_lazy("Project check-ins"), sections=(Section.COMMON,)),
    "assessments.Assessment": Location(
        gettext_lazy("Assessment"),
        per_row=True,
        note=gettext_lazy(
            "Each answer belongs to the section of its dimension; a score or profile is shown only to who reads "
            "every section it is computed from."
        ),
    ),
    "meetings.Meeting": Location(
        gettext_lazy("Team meetings"),
        readers=gettext_lazy("The current members of the case's team only (not the coordination group as such)"),
    ),
    "meetings.Decision": Location(
        gettext_lazy("Team meetings"),
        readers=gettext_lazy("The current members of the case's team only (not the coordination group as such)"),
    ),
    "meetings.MediatorBooking": Location(
        gettext_lazy("Team meetings"),
        readers=gettext_lazy("The current members of the case's team only (not the coordination group as such)"),
    ),
    "referrals.Referral": Location(
        gettext_lazy("Referral between services"),
        readers=gettext_lazy(
            "The sending case's team, and the operators of the receiving structure while the referral is sent or "
            "accepted (the minimum dataset and the sections the sender chose to share, never the case page)"
        ),
    ),
    "breakglass.BreakGlassGrant": Location(
        gettext_lazy("Emergency access grants"),
        readers=gettext_lazy(
            "The operator who asked, the coordination group of the case's ambito (review queue) and the auditor"
        ),
    ),
    "retention.LegalHold": Location(
        gettext_lazy("Legal holds"),
        readers=gettext_lazy("The operators who place and lift holds, and the auditor"),
    ),
    "history.RowChange": Location(
        gettext_lazy("Change history"),
        readers=gettext_lazy("The auditor only, shown as the names of the changed columns, never their values"),
    ),
}


@dataclass(frozen=True)
class SectionAccess:
    """Who reads one section of a case."""

    section: str
    label: str
    team_roles: tuple[str, ...]
    coordination_roles: tuple[str, ...]
    break_the_glass: bool

    @property
    def summary(self) -> str:
        parts = [_("%(section)s: team (%(roles)s)") % {"section": self.label, "roles": ", ".join(self.team_roles)}]
        if self.coordination_roles:
            parts.append(_("coordination group (%(roles)s)") % {"roles": ", ".join(self.coordination_roles)})
        parts.append(_("break-the-glass possible") if self.break_the_glass else _("never by break-the-glass"))
        return "; ".join(parts)


def section_access() -> list[SectionAccess]:
    """For each case section: the team roles granted it, the coordination group's, break-the-glass."""
    rows = []
    for section in Section:
        team = tuple(str(Role(r).label) for r in Role.values if section in ROLE_SECTIONS.get(r, frozenset()))
        coordination = tuple(
            str(Role(r).label)
            for r in Role.values
            if r in COORDINATION_ROLES and section in COORDINATION_SECTIONS and section in ROLE_SECTIONS.get(r, ())
        )
        rows.append(
            SectionAccess(
                section=section.value,
                label=str(section.label),
                team_roles=team,
                coordination_roles=coordination,
                # Break-the-glass never opens the violence section (R8): an aggressor may be anyone.
                break_the_glass=section != Section.VIOLENCE,
            )
        )
    return rows


@dataclass(frozen=True)
class DpiaRow:
    entry: FieldEntry
    category_label: str
    location: Location
    described: bool
    sections: tuple[SectionAccess, ...]
    retention: str
    risk: str

    @property
    def section_labels(self) -> str:
        if self.location.per_row:
            return _("the row's own section (any)")
        return ", ".join(s.label for s in self.sections)

    @property
    def readers(self) -> str:
        text = " | ".join(s.summary for s in self.sections) if self.sections else str(self.location.readers)
        return f"{text}. {self.location.note}" if self.location.note else text


def location_of(model_label: str, model: type[models.Model] | None = None) -> tuple[Location, bool]:
    """The declared location of a model's sensitive data, or a fallback (``described`` False)."""
    if model_label in LOCATIONS:
        return LOCATIONS[model_label], True
    has_section = model is not None and any(f.name == "section" for f in model._meta.concrete_fields)
    fallback = Location(
        where=str(capfirst(model._meta.verbose_name)) if model is not None else model_label,
        per_row=has_section,
        readers=gettext_lazy("Not described yet: check who reads this model and describe it in the inventory."),
    )
    return fallback, False


def dpia_rows() -> list[DpiaRow]:
    """Every field holding special, judicial, minors' or violence data, with where it is read and by whom."""
    from django.apps import apps

    access = {s.section: s for s in section_access()}
    rows = []
    for entry in field_entries():
        if entry.category not in DPIA_CATEGORIES:
            continue
        model = apps.get_model(entry.model_label)
        location, described = location_of(entry.model_label, model)
        section_keys = tuple(Section.values) if location.per_row else location.sections
        rows.append(
            DpiaRow(
                entry=entry,
                category_label=str(Category(entry.category).label),
                location=location,
                described=described,
                sections=tuple(access[s] for s in section_keys),
                retention=retention_text(RETENTION[entry.category]),
                risk=str(DPIA_NOTES[entry.category]),
            )
        )
    order = {c: i for i, c in enumerate((Category.VIOLENCE, Category.JUDICIAL, Category.MINOR, Category.SPECIAL))}
    rows.sort(key=lambda r: (order.get(Category(r.entry.category), 9), r.entry.model_label, r.entry.field_name))
    return rows
