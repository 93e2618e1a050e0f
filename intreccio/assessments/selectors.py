"""Reads of assessments, scoped by the case and cut by section; every read is audited.

A page gets the case through ``case_get_for_user`` (404 unless the operator may see it, the read
of the common part recorded) and then only the dimensions whose section the operator may read;
each further section shown is recorded as its own access. A score, total or profile is shown
only when the operator may read every section it was computed from.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator, OrganisationKind, Structure
from intreccio.assessments import permissions
from intreccio.assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    AssessmentTool,
    EmployabilityProfile,
)
from intreccio.assessments.questionnaire import (
    AnsweredQuestion,
    answered_questions,
    display_value,
    label,
    max_level,
)
from intreccio.assessments.scoring import derivation_sections
from intreccio.audit.services import record_access
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case, Section
from intreccio.cases.selectors import case_get_for_user


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _record_sections(request: HttpRequest, case: Case, sections: Iterable[str], purpose: str) -> None:
    """One access record per section read beyond the common part (recorded with the case)."""
    for section in sorted(set(sections) - {Section.COMMON}):
        record_access(actor=_actor(request), obj=case, request=request, section=section, purpose=purpose)


def _visible_assessments(request: HttpRequest) -> QuerySet[Assessment]:
    cases = Case.objects.filter(case_permissions.visible_cases_q(request)).values("pk")
    return Assessment.objects.filter(case_id__in=cases)


ASSESSMENT_LABEL = "assessments.assessment"


def _hidden(request: HttpRequest, case: Case) -> set[int]:
    """Assessments of ``case`` blacked out for this reader (R21): never listed, counted or opened."""
    return {pk for label, pk in case_permissions.hidden_items(request, case) if label == ASSESSMENT_LABEL}


# --- profiles as the operator may read them ------------------------------------------------------

OP_TEXT = {
    "eq": "=",
    "ne": "≠",
    "gte": "≥",
    "lte": "≤",
}


@dataclass(frozen=True)
class ConditionView:
    subject: str
    expected: str
    actual: str
    met: bool


@dataclass(frozen=True)
class RuleView:
    label: str
    result: str
    fired: bool
    conditions: list[ConditionView]


@dataclass(frozen=True)
class ProfileView:
    title: str
    result: str
    result_label: str
    explanation: str  # the label of the rule that fired, or of the default
    by_default: bool
    rules: list[RuleView]


def _questions_by_key(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["key"]: q for d in schema.get("dimensions", []) for q in d.get("questions", [])}


def _value_text(question: dict[str, Any] | None, value: Any) -> str:
    if value is None:
        return _("not answered")
    if question is None:
        return str(value)
    if isinstance(value, list) and question["type"] != "multi_choice":
        return ", ".join(display_value(question, v) for v in value)
    return display_value(question, value)


def _expected_text(op: str, question: dict[str, Any] | None, expected: Any) -> str:
    if op == "answered":
        return _("answered") if expected else _("not answered")
    if op == "between" and isinstance(expected, list) and len(expected) == 2:
        return _("between %(low)s and %(high)s") % {"low": expected[0], "high": expected[1]}
    if op == "in":
        return _("one of: %(values)s") % {"values": _value_text(question, expected)}
    if op == "not_in":
        return _("none of: %(values)s") % {"values": _value_text(question, expected)}
    if op == "includes":
        return _("includes %(values)s") % {"values": _value_text(question, expected)}
    return f"{OP_TEXT.get(op, op)} {_value_text(question, expected)}"


def profile_view(schema: dict[str, Any], result: str, trace: list[dict[str, Any]]) -> ProfileView | None:
    """A stored profile and its trace in words: each rule looked at, each condition with what it read."""
    profiling = schema.get("profiling")
    if not profiling or not result:
        return None
    rules = {r["key"]: r for r in profiling.get("rules", [])}
    questions = _questions_by_key(schema)
    titles = {d["key"]: label(d["title"]) for d in schema.get("dimensions", [])}
    views = []
    fired_label = ""
    for check in trace:
        rule = rules.get(check["rule"], {})
        conditions = []
        for condition in check.get("conditions", []):
            question = questions.get(condition["key"]) if condition["subject"] == "question" else None
            if condition["subject"] == "question":
                subject = label(question["label"]) if question else condition["key"]
            elif condition["subject"] == "dimension":
                subject = _("Need level: %(dimension)s") % {"dimension": titles.get(condition["key"], condition["key"])}
            else:
                subject = _("Age") if condition["key"] == "age" else condition["key"]
            conditions.append(
                ConditionView(
                    subject=subject,
                    expected=_expected_text(condition["op"], question, condition["expected"]),
                    actual=_value_text(question, condition["actual"]),
                    met=bool(condition["met"]),
                )
            )
        rule_label = label(rule.get("label")) or check["rule"]
        if check["fired"]:
            fired_label = rule_label
        views.append(
            RuleView(
                label=rule_label,
                result=label(profiling["results"].get(check["result"])) or check["result"],
                fired=bool(check["fired"]),
                conditions=conditions,
            )
        )
    by_default = not fired_label
    return ProfileView(
        title=label(profiling.get("title")),
        result=result,
        result_label=label(profiling["results"].get(result)) or result,
        explanation=label(profiling["default"].get("label")) if by_default else fired_label,
        by_default=by_default,
        rules=views,
    )


def _profile_sections(assessment: Assessment) -> frozenset[str]:
    return derivation_sections(assessment.tool.schema, assessment.profile_trace)


def visible_profile(assessment: Assessment, allowed: frozenset[str]) -> ProfileView | None:
    """The assessment's profile, if the reader may read every section it was computed from."""
    if not assessment.profile or not permissions.readable(_profile_sections(assessment), allowed):
        return None
    return profile_view(assessment.tool.schema, assessment.profile, assessment.profile_trace)


def _total_visible(assessment: Assessment, allowed: frozenset[str]) -> bool:
    return assessment.total is not None and permissions.readable(assessment.dimension_sections.values(), allowed)


# --- the case panel -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelRow:
    assessment: Assessment
    tool_title: str
    profile: ProfileView | None
    employability_class: str


@dataclass(frozen=True)
class CasePanel:
    case: Case
    rows: list[PanelRow]
    can_start: bool
    can_compare: bool


def case_panel(*, request: HttpRequest, case_pk: int) -> CasePanel:
    """The assessments of a case for the fragment on the case page, newest first."""
    case = case_get_for_user(request=request, pk=case_pk, purpose="assessments")
    allowed = case_permissions.sections_for(request, case)
    assessments = list(
        case.assessments.exclude(pk__in=_hidden(request, case))
        .select_related("tool", "completed_by", "started_by", "employability_profile")
        .order_by("-created_at", "-pk")
    )
    rows = []
    shown: set[str] = set()
    for assessment in assessments:
        profile = visible_profile(assessment, allowed)
        if profile is not None:
            shown |= _profile_sections(assessment)
        employability = getattr(assessment, "employability_profile", None)
        klass = ""
        if employability is not None and Section.WORK in allowed:
            klass = employability.get_employability_class_display()
            shown.add(Section.WORK)
        rows.append(
            PanelRow(
                assessment=assessment,
                tool_title=label(assessment.tool.title),
                profile=profile,
                employability_class=klass,
            )
        )
    _record_sections(request, case, shown, "assessments")
    completed = [a.kind for a in assessments if a.is_completed]
    return CasePanel(
        case=case,
        rows=rows,
        can_start=bool(permissions.startable_kinds(request, case)),
        # Something to compare: two completed assessments of one kind.
        can_compare=any(completed.count(kind) >= 2 for kind in set(completed)),
    )


# --- choosing a tool ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolChoice:
    tool: AssessmentTool
    title: str
    dimensions: list[str]


def tools_for_new(*, request: HttpRequest, case_pk: int) -> tuple[Case, list[ToolChoice]]:
    """The case and the published tools the operator may start on it (404 when none)."""
    case = case_get_for_user(request=request, pk=case_pk, purpose="assessment_new")
    kinds = permissions.startable_kinds(request, case)
    if not kinds:
        raise Http404
    tools = AssessmentTool.objects.filter(is_published=True, kind__in=kinds).order_by("kind", "key")
    order = list(AssessmentKind.values)
    choices = [
        ToolChoice(tool=t, title=label(t.title), dimensions=[label(d["title"]) for d in t.schema["dimensions"]])
        for t in sorted(tools, key=lambda t: (order.index(t.kind), t.key))
    ]
    return case, choices


# --- one assessment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionView:
    key: str
    title: str
    section: str
    section_label: str
    points: int | None
    level: int | None
    levels: list[dict[str, int]]
    questions: list[AnsweredQuestion]


@dataclass
class AssessmentView:
    assessment: Assessment
    case: Case
    tool_title: str
    max_level: int
    dimensions: list[DimensionView]
    hidden_dimensions: int
    total: int | None
    visible_total: int | None
    profile: ProfileView | None
    profile_hidden: bool
    employability_profile: EmployabilityProfile | None
    can_edit: bool
    can_complete: bool
    can_record_profile: bool
    sections: list[str] = field(default_factory=list)


def assessment_get_for_user(*, request: HttpRequest, pk: int, purpose: str) -> Assessment:
    """The assessment if its case is visible (404 otherwise), the read of the case recorded."""
    assessment = (
        _visible_assessments(request).select_related("tool", "case", "completed_by", "started_by").filter(pk=pk).first()
    )
    if assessment is None or assessment.pk in _hidden(request, assessment.case):
        raise Http404
    assessment.case = case_get_for_user(request=request, pk=assessment.case_id, purpose=purpose)
    return assessment


def _dimension_views(assessment: Assessment, allowed: frozenset[str]) -> tuple[list[DimensionView], int]:
    schema = assessment.tool.schema
    views = []
    hidden = 0
    for dimension in schema["dimensions"]:
        section = assessment.dimension_sections.get(dimension["key"], dimension.get("section", Section.COMMON))
        if section not in allowed:
            hidden += 1
            continue
        score = assessment.scores.get(dimension["key"]) if assessment.is_completed else None
        views.append(
            DimensionView(
                key=dimension["key"],
                title=label(dimension["title"]),
                section=section,
                section_label=str(Section(section).label),
                points=score["points"] if score else None,
                level=score["level"] if score else None,
                levels=dimension.get("levels", []),
                questions=answered_questions(dimension, assessment.answers),
            )
        )
    return views, hidden


def assessment_detail(*, request: HttpRequest, pk: int) -> AssessmentView:
    """One assessment as the operator may read it: their dimensions, their scores, the profile if theirs."""
    assessment = assessment_get_for_user(request=request, pk=pk, purpose="assessment_detail")
    case = assessment.case
    allowed = case_permissions.sections_for(request, case)
    dimensions, hidden = _dimension_views(assessment, allowed)
    profile = visible_profile(assessment, allowed) if assessment.is_completed else None
    employability = (
        EmployabilityProfile.objects.filter(assessment=assessment).select_related("pact_cpi", "created_by").first()
        if assessment.kind == AssessmentKind.CPI_INTERVIEW and Section.WORK in allowed
        else None
    )
    shown = {d.section for d in dimensions}
    if profile is not None:
        shown |= _profile_sections(assessment)
    _record_sections(request, case, shown, "assessment_detail")
    levels = [d.level for d in dimensions if d.level is not None]
    return AssessmentView(
        assessment=assessment,
        case=case,
        tool_title=label(assessment.tool.title),
        max_level=max_level(assessment.tool.schema),
        dimensions=dimensions,
        hidden_dimensions=hidden,
        total=assessment.total if _total_visible(assessment, allowed) else None,
        visible_total=sum(levels) if levels else None,
        profile=profile,
        profile_hidden=bool(assessment.profile) and profile is None,
        employability_profile=employability,
        can_edit=bool(permissions.writable_dimensions(request, assessment)),
        can_complete=permissions.can_complete(request, assessment),
        can_record_profile=(
            assessment.kind == AssessmentKind.CPI_INTERVIEW
            and assessment.is_completed
            and employability is None
            and permissions.can_record_profile(request, case)
        ),
        sections=sorted(shown),
    )


@dataclass(frozen=True)
class EditContext:
    assessment: Assessment
    case: Case
    tool_title: str
    dimensions: list[dict[str, Any]]  # the schema's dimensions the operator fills in
    hidden_dimensions: int


def assessment_for_edit(*, request: HttpRequest, pk: int) -> EditContext:
    """A draft and the dimensions the operator may fill in (404 when there are none)."""
    assessment = assessment_get_for_user(request=request, pk=pk, purpose="assessment_edit")
    writable = permissions.writable_dimensions(request, assessment)
    if not writable:
        raise Http404
    dimensions = [d for d in assessment.tool.schema["dimensions"] if d["key"] in writable]
    _record_sections(request, assessment.case, {assessment.dimension_sections[k] for k in writable}, "assessment_edit")
    return EditContext(
        assessment=assessment,
        case=assessment.case,
        tool_title=label(assessment.tool.title),
        dimensions=dimensions,
        hidden_dimensions=len(assessment.tool.schema["dimensions"]) - len(dimensions),
    )


# --- comparing assessments ----------------------------------------------------------------------


@dataclass(frozen=True)
class CompareCell:
    level: int | None
    change: int | None  # against the previous column: positive means more need


@dataclass(frozen=True)
class CompareRow:
    title: str
    section_label: str
    cells: list[CompareCell]


@dataclass(frozen=True)
class CompareColumn:
    assessment: Assessment
    title: str


@dataclass(frozen=True)
class Comparison:
    case: Case
    kind: str
    kinds: list[tuple[str, str, int]]  # (value, label, completed count)
    columns: list[CompareColumn]
    rows: list[CompareRow]
    totals: list[CompareCell] | None
    profiles: list[str] | None
    hidden_dimensions: int


def _cells(levels: list[int | None]) -> list[CompareCell]:
    cells = []
    previous: int | None = None
    for level in levels:
        change = level - previous if level is not None and previous is not None else None
        cells.append(CompareCell(level=level, change=change))
        if level is not None:
            previous = level
    return cells


def case_compare(*, request: HttpRequest, case_pk: int, kind: str = "") -> Comparison:
    """The completed assessments of one kind side by side, oldest first, need level per dimension."""
    case = case_get_for_user(request=request, pk=case_pk, purpose="assessment_compare")
    allowed = case_permissions.sections_for(request, case)
    completed = list(
        case.assessments.filter(status=AssessmentStatus.COMPLETED)
        .exclude(pk__in=_hidden(request, case))
        .select_related("tool")
        .order_by("completed_at", "pk")
    )
    counts = {value: sum(1 for a in completed if a.kind == value) for value in AssessmentKind.values}
    if kind not in AssessmentKind.values:
        kind = max(AssessmentKind.values, key=lambda value: (counts[value], value == AssessmentKind.IN_DEPTH))
    columns = [a for a in completed if a.kind == kind]
    # Dimensions in the order of the newest version, then any an older version had alone.
    order: list[tuple[str, dict[str, Any], str]] = []
    seen: set[str] = set()
    for assessment in reversed(columns):
        for dimension in assessment.tool.schema["dimensions"]:
            if dimension["key"] not in seen:
                seen.add(dimension["key"])
                order.append((dimension["key"], dimension, assessment.dimension_sections.get(dimension["key"], "")))
    rows = []
    hidden = 0
    shown: set[str] = set()
    for key, dimension, section in order:
        if section not in allowed:
            hidden += 1
            continue
        shown.add(section)
        levels = [(a.scores.get(key) or {}).get("level") for a in columns]
        rows.append(
            CompareRow(title=label(dimension["title"]), section_label=str(Section(section).label), cells=_cells(levels))
        )
    totals = None
    if columns and all(_total_visible(a, allowed) for a in columns):
        totals = _cells([a.total for a in columns])
    profiles = None
    if columns and any(a.profile for a in columns):
        views = [visible_profile(a, allowed) for a in columns]
        if all(v is not None for v in views):
            profiles = [v.result_label for v in views if v is not None]
            for a in columns:
                shown |= _profile_sections(a)
    _record_sections(request, case, shown, "assessment_compare")
    return Comparison(
        case=case,
        kind=kind,
        kinds=[(value, str(text), counts[value]) for value, text in AssessmentKind.choices],
        columns=[CompareColumn(assessment=a, title=f"{label(a.tool.title)} v{a.tool.version}") for a in columns],
        rows=rows,
        totals=totals,
        profiles=profiles,
        hidden_dimensions=hidden,
    )


# --- the CPI profile ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileContext:
    assessment: Assessment
    case: Case
    profile: ProfileView
    employment_centres: list[Structure]
    default_centre: Structure | None


def profile_new_context(*, request: HttpRequest, pk: int) -> ProfileContext:
    """A completed skills interview ready for profiling by the CPI operator on the team (404 otherwise)."""
    assessment = assessment_get_for_user(request=request, pk=pk, purpose="employability_profile")
    case = assessment.case
    if (
        assessment.kind != AssessmentKind.CPI_INTERVIEW
        or not assessment.is_completed
        or not permissions.can_record_profile(request, case)
        or EmployabilityProfile.objects.filter(assessment=assessment).exists()
    ):
        raise Http404
    allowed = case_permissions.sections_for(request, case)
    profile = visible_profile(assessment, allowed)
    if profile is None:
        raise Http404
    _record_sections(request, case, _profile_sections(assessment), "employability_profile")
    centres = list(
        Structure.objects.filter(
            organisation__ambito_id=case.ambito_id,
            organisation__kind=OrganisationKind.EMPLOYMENT_CENTRE,
            is_active=True,
        )
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
    own = request.membership.structure_id  # type: ignore[attr-defined]
    default = next((c for c in centres if c.pk == own), None)
    return ProfileContext(
        assessment=assessment, case=case, profile=profile, employment_centres=centres, default_centre=default
    )


# --- for other apps -----------------------------------------------------------------------------


def latest_employability_profile(*, case: Case, excluded: Collection[int] = frozenset()) -> EmployabilityProfile | None:
    """The case's most recent employability profile, leaving out those recorded from the
    assessments in ``excluded`` (pass ``hidden_assessments`` for the reader). Unscoped and
    unaudited: the caller has already authorised and recorded its read of the case, and shows
    the class only to who may read the work section."""
    profiles = case.employability_profiles.exclude(assessment_id__in=list(excluded))
    return profiles.order_by("-created_at", "-pk").first()


@dataclass(frozen=True)
class CaseProfile:
    """What the latest assessments say of a case, for matching similar cases."""

    employability_class: str
    path: str  # the preliminary analysis's suggested path
    levels: dict[str, int]  # in-depth dimension → need level
    level_sections: dict[str, str]  # in-depth dimension → section, to drop what a reader may not see


def case_profiles(*, case_ids: Iterable[int], excluded: Collection[int] = frozenset()) -> dict[int, CaseProfile]:
    """The latest class, path and in-depth levels of each case, in two queries.

    Pure: unscoped and unaudited. ``excluded`` names assessments to leave out, with the
    employability profiles recorded from them: what is blacked out for the reader, when a reader
    will see or be guided by the result (``case_profiles_for``). Show a level only to who may read
    its section.
    """
    ids = list(case_ids)
    left_out = list(excluded)
    classes: dict[int, str] = {}
    for case_id, klass in (
        EmployabilityProfile.objects.filter(case_id__in=ids)
        .exclude(assessment_id__in=left_out)
        .order_by("case_id", "created_at", "pk")
    ).values_list("case_id", "employability_class"):
        classes[case_id] = klass
    paths: dict[int, str] = {}
    depth: dict[int, tuple[dict[str, Any], dict[str, str]]] = {}
    latest = (
        Assessment.objects.filter(case_id__in=ids, status=AssessmentStatus.COMPLETED)
        .exclude(kind=AssessmentKind.CPI_INTERVIEW)
        .exclude(pk__in=left_out)
        .order_by("case_id", "completed_at", "pk")
        .values_list("case_id", "kind", "profile", "scores", "dimension_sections")
    )
    for case_id, kind, profile, scores, sections in latest:
        if kind == AssessmentKind.PRELIMINARY:
            paths[case_id] = profile
        else:
            depth[case_id] = (scores, sections)
    result = {}
    for case_id in ids:
        scores, sections = depth.get(case_id, ({}, {}))
        levels = {k: v["level"] for k, v in scores.items() if v.get("level") is not None}
        if case_id in classes or case_id in paths or levels:
            result[case_id] = CaseProfile(
                employability_class=classes.get(case_id, ""),
                path=paths.get(case_id, ""),
                levels=levels,
                level_sections={k: sections.get(k, Section.COMMON) for k in levels},
            )
    return result


def hidden_assessments(*, request: HttpRequest, case_ids: Iterable[int]) -> set[int]:
    """The assessments of ``case_ids`` blacked out for this reader (R21), in one query per concealment."""
    hidden = case_permissions.hidden_items_many(request, list(case_ids))
    return {pk for keys in hidden.values() for label, pk in keys if label == ASSESSMENT_LABEL}


def case_profiles_for(*, request: HttpRequest, case_ids: Iterable[int]) -> dict[int, CaseProfile]:
    """``case_profiles`` as this reader may know them: nothing blacked out for them shapes the result
    (not a class, a path or a level, nor a suggestion, a package or a ranking made from one)."""
    ids = list(case_ids)
    return case_profiles(case_ids=ids, excluded=hidden_assessments(request=request, case_ids=ids))
