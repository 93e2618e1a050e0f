"""Writes to assessments: start, save answers, complete, record the employability profile, publish a tool.

Each service checks the actor's permission, writes a DomainEvent ``assessments.<entity>.<verb>``
aimed at the case (so it appears in the case timeline) with a payload that never carries
answers or scores, and refuses bad input with a message per question.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator, OrganisationKind, Role, Structure
from intreccio.assessments import permissions
from intreccio.assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    AssessmentTool,
    EmployabilityClass,
    EmployabilityProfile,
)
from intreccio.assessments.questionnaire import clean_answers, dimension_sections, label, missing_required
from intreccio.assessments.questionnaire import schema_problems as tool_schema_problems
from intreccio.assessments.scoring import assess
from intreccio.audit.services import record_event
from intreccio.cases.models import Case, CaseStatus
from intreccio.cases.services import case_start_assessment
from intreccio.people.services.common import Errors, clean_text

TOOL_PUBLISHERS = frozenset({Role.COORDINATOR, Role.PROGRAMME_OFFICER})
PACT_REFERENCE_MAX = 60


class StaleAssessment(Exception):
    """The assessment changed since the actor loaded it."""

    def __init__(self, current: Assessment) -> None:
        super().__init__("stale assessment version")
        self.current = current


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _lock(assessment: Assessment, version: int) -> Assessment:
    locked = Assessment.objects.select_for_update().select_related("tool", "case").get(pk=assessment.pk)
    if locked.version != version:
        raise StaleAssessment(locked)
    return locked


def _payload(assessment: Assessment, **extra: Any) -> dict[str, Any]:
    """What the timeline may say about an assessment to anyone who sees the case: no answers, no scores."""
    return {
        "assessment": assessment.pk,
        "kind": assessment.kind,
        "tool": assessment.tool.key,
        "tool_version": assessment.tool.version,
        **extra,
    }


@transaction.atomic
def assessment_start(*, request: HttpRequest, case: Case, tool: AssessmentTool) -> Assessment:
    """Open a draft assessment of ``case`` on a published tool version."""
    if tool.kind not in permissions.startable_kinds(request, case):
        raise PermissionDenied
    if not tool.is_published:
        raise ValidationError(
            {"tool": _("This version of the tool has been replaced: choose the current one.")}, code="unpublished"
        )
    assessment = Assessment.objects.create(
        case=case,
        tool=tool,
        kind=tool.kind,
        dimension_sections=dimension_sections(tool.schema),
        started_by=_actor(request),
    )
    record_event(
        action="assessments.assessment.started",
        actor=_actor(request),
        target=case,
        payload=_payload(assessment),
        request=request,
    )
    return assessment


@transaction.atomic
def assessment_save(
    *, request: HttpRequest, assessment: Assessment, version: int, answers: dict[str, Any]
) -> Assessment:
    """Save the answers to the dimensions the actor may write and sent; other dimensions keep theirs.

    A dimension is saved whole: once one of its questions has an answer, every answer is checked
    against its question (required, allowed choices, number ranges) and refusals come back keyed
    by question, so that each is shown on its question. A dimension sent with no answer at all
    is emptied: team members fill in their dimensions at different times.
    """
    writable = permissions.writable_dimensions(request, assessment)
    if not writable:
        raise PermissionDenied
    assessment = _lock(assessment, version)
    schema = assessment.tool.schema
    sent = {
        d["key"]: [q["key"] for q in d["questions"]]
        for d in schema["dimensions"]
        if d["key"] in writable and any(q["key"] in answers for q in d["questions"])
    }
    filled = [key for key, asked in sent.items() if any(not _blank(answers.get(q)) for q in asked)]
    clean, errors = clean_answers(schema, answers, filled)
    if errors:
        raise ValidationError({key: [message] for key, message in errors.items()}, code="invalid_answers")
    replaced = {q for asked in sent.values() for q in asked}
    kept = {key: value for key, value in assessment.answers.items() if key not in replaced}
    assessment.answers = {**kept, **clean}
    assessment.version += 1
    assessment.save(update_fields=["answers", "version", "updated_at"])
    record_event(
        action="assessments.assessment.saved",
        actor=_actor(request),
        target=assessment.case,
        payload=_payload(assessment, dimensions=sorted(sent)),
        request=request,
    )
    return assessment


def _blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _age(case: Case, on: datetime.date) -> int | None:
    birth = case.person.birth_date if case.person_id and case.person is not None else None
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@transaction.atomic
def assessment_complete(*, request: HttpRequest, assessment: Assessment, version: int) -> Assessment:
    """Close the assessment: every required question answered, scores and profile computed.

    The first completed preliminary analysis of a case still ``allocated`` moves the case to
    ``assessing``: the assessment is under way from then on.
    """
    if not permissions.can_complete(request, assessment):
        raise PermissionDenied
    assessment = _lock(assessment, version)
    if assessment.status != AssessmentStatus.DRAFT:
        raise ValidationError(_("This assessment is already completed."), code="completed")
    schema = assessment.tool.schema
    missing = missing_required(schema, assessment.answers)
    if missing:
        titles = {d["key"]: label(d["title"]) for d in schema["dimensions"]}
        raise ValidationError(
            {
                dim: [
                    _("“%(dimension)s” still has unanswered questions: %(questions)s.")
                    % {"dimension": titles[dim], "questions": "; ".join(labels)}
                ]
                for dim, labels in missing.items()
            },
            code="incomplete",
        )
    now = timezone.now()
    facts: dict[str, Any] = {}
    age = _age(assessment.case, timezone.localdate())
    if age is not None:
        facts["age"] = age
    outcome = assess(schema, assessment.answers, facts)
    assessment.facts = facts
    assessment.scores = {key: score.to_json() for key, score in outcome.scores.items()}
    assessment.total = outcome.total
    assessment.profile = outcome.derivation.result if outcome.derivation else ""
    assessment.profile_trace = outcome.derivation.to_json() if outcome.derivation else []
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_by = _actor(request)
    assessment.completed_at = now
    assessment.version += 1
    assessment.save()
    record_event(
        action="assessments.assessment.completed",
        actor=_actor(request),
        target=assessment.case,
        payload=_payload(assessment),
        request=request,
    )
    case = assessment.case
    first_preliminary = (
        assessment.kind == AssessmentKind.PRELIMINARY
        and not Assessment.objects.filter(case=case, kind=AssessmentKind.PRELIMINARY, status=AssessmentStatus.COMPLETED)
        .exclude(pk=assessment.pk)
        .exists()
    )
    if first_preliminary and case.status == CaseStatus.ALLOCATED:
        case_start_assessment(request=request, case=case, version=case.version)
    return assessment


@transaction.atomic
def employability_profile_record(
    *,
    request: HttpRequest,
    assessment: Assessment,
    pact_signed_on: datetime.date | None = None,
    pact_cpi: Structure | None = None,
    pact_reference: str = "",
) -> EmployabilityProfile:
    """The CPI operator on the team records the class of a completed skills interview.

    With the date the patto di servizio personalizzato was signed (D.lgs 150/2015), the
    employment centre it was signed with and its reference, when it has been signed.
    """
    case = assessment.case
    if not permissions.can_record_profile(request, case):
        raise PermissionDenied
    assessment = Assessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)
    errors = Errors()
    if assessment.kind != AssessmentKind.CPI_INTERVIEW or assessment.status != AssessmentStatus.COMPLETED:
        errors.add("__all__", _("The profile is recorded on a completed CPI skills interview."))
    elif assessment.profile not in EmployabilityClass.values:
        errors.add("__all__", _("This interview gave no employability class."))
    if EmployabilityProfile.objects.filter(assessment=assessment).exists():
        errors.add("__all__", _("This interview already has its profile."))
    reference = clean_text(pact_reference)
    if len(reference) > PACT_REFERENCE_MAX:
        errors.add("pact_reference", _("Write the reference in at most %(n)d characters.") % {"n": PACT_REFERENCE_MAX})
    if pact_signed_on is not None:
        if pact_signed_on > timezone.localdate():
            errors.add("pact_signed_on", _("The pact cannot be signed in the future."))
        if pact_signed_on < case.accessed_on:
            errors.add("pact_signed_on", _("The pact cannot be signed before the person first came to the services."))
        if pact_cpi is None:
            errors.add("pact_cpi", _("Name the employment centre the pact was signed with."))
    elif pact_cpi is not None or reference:
        errors.add("pact_signed_on", _("Give the date the pact was signed, or leave its details empty."))
    if pact_cpi is not None and (
        pact_cpi.organisation.kind != OrganisationKind.EMPLOYMENT_CENTRE
        or pact_cpi.organisation.ambito_id != case.ambito_id
    ):
        errors.add("pact_cpi", _("Choose an employment centre of the case's ambito."))
    errors.raise_any()
    profile = EmployabilityProfile.objects.create(
        case=case,
        assessment=assessment,
        employability_class=assessment.profile,
        rule_trace=assessment.profile_trace,
        pact_signed_on=pact_signed_on,
        pact_cpi=pact_cpi,
        pact_reference=reference,
        created_by=_actor(request),
    )
    record_event(
        action="assessments.employability_profile.recorded",
        actor=_actor(request),
        target=case,
        payload={"profile": profile.pk, "assessment": assessment.pk, "pact_signed": pact_signed_on is not None},
        request=request,
    )
    return profile


@transaction.atomic
def tool_publish(
    *, request: HttpRequest, key: str, kind: str, title: dict[str, str], schema: dict[str, Any]
) -> AssessmentTool:
    """Publish a new version of a tool; the previous version stays for the answers given to it."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in TOOL_PUBLISHERS:
        raise PermissionDenied
    errors = Errors()
    if kind not in AssessmentKind.values:
        errors.add("kind", _("Choose the kind of tool from the list."))
    if not isinstance(title, dict) or not all(str(title.get(lang, "")).strip() for lang in ("it", "en")):
        errors.add("title", _("The tool needs a title in Italian and in English."))
    for problem in tool_schema_problems(schema):
        errors.add("schema", problem)
    # Locking the versions of the key keeps two publications from taking the same number.
    versions = list(AssessmentTool.objects.select_for_update().filter(key=key).order_by("-version"))
    current = versions[0] if versions else None
    if current is not None and current.kind != kind:
        errors.add("kind", _("A new version keeps the kind of the tool."))
    errors.raise_any()
    number = current.version + 1 if current is not None else 1
    AssessmentTool.objects.filter(key=key, is_published=True).update(is_published=False)
    tool = AssessmentTool.objects.create(
        key=key,
        version=number,
        kind=kind,
        title=title,
        schema=schema,
        is_published=True,
        published_at=timezone.now(),
        published_by=_actor(request),
    )
    record_event(
        action="assessments.tool.published",
        actor=_actor(request),
        target=tool,
        payload={"key": key, "version": number, "kind": kind},
        request=request,
    )
    return tool
