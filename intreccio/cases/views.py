"""Case pages: the allocation queue and the opening of a case, the caseload, the case page with its
section and timeline fragments, notes, and every action on a case.

Each view parses, authorises (missing and forbidden are both 404), makes one domain call and
renders. A change made from a version the case no longer has shows the conflict page, with
what changed since and what the operator typed, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from intreccio.accounts.models import Operator
from intreccio.cases import selectors, services
from intreccio.cases.forms import (
    AnswerReturnForm,
    CaseloadFilterForm,
    CaseOpenForm,
    CloseForm,
    ManagerChangeForm,
    MemberAddForm,
    MemberRemoveForm,
    NoteForm,
    ReasonForm,
    VersionForm,
)
from intreccio.cases.models import OPEN_STATES, Case, CaseStatus, ClosureOutcome, Priority, Section, TeamRole
from intreccio.cases.selectors import CasePage, CaseTimeline, TimelineEntry
from intreccio.cases.timeline import sentence_for

PAGE_SIZE = 25
# Text the operator typed: kept on the conflict page so that nothing is lost.
TYPED_FIELDS = ("reason", "answer", "text")
# Team changes sit under the team table; the moves of the state machine in the side panel.
TEAM_ACTION_PREFIXES = ("member_", "manager_")


# --- actions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One change the case page offers: who may ask for it, when it makes sense, and the service."""

    slug: str
    label: Any
    explanation: Any
    confirm: Any
    done: Any
    form: Callable[..., VersionForm]
    permitted: Callable[[CasePage], bool]
    offered: Callable[[CasePage], bool]  # permitted, and the case is in a state where it applies
    run: Callable[[HttpRequest, Case, Any], Case]
    tone: str = "primary"


def _status(page: CasePage, *statuses: str) -> bool:
    return page.case.status in statuses


def _team_changer(page: CasePage) -> bool:
    return page.can_manage or page.can_allocate


def _removable(page: CasePage) -> bool:
    return any(m.team_role != TeamRole.CASE_MANAGER for m in page.members)


ACTIONS: dict[str, Action] = {
    action.slug: action
    for action in (
        Action(
            slug="start_assessment",
            label=gettext_lazy("Start the assessment…"),
            explanation=gettext_lazy(
                "The team starts the multidimensional assessment of the person and the household."
            ),
            confirm=gettext_lazy("Start the assessment"),
            done=gettext_lazy("Assessment started."),
            form=VersionForm,
            permitted=lambda p: p.can_manage,
            offered=lambda p: p.can_manage and _status(p, CaseStatus.ALLOCATED),
            run=lambda r, c, f: services.case_start_assessment(request=r, case=c, version=f.cleaned_data["version"]),
        ),
        Action(
            slug="activate",
            label=gettext_lazy("Activate the case…"),
            explanation=gettext_lazy("The validated project starts: interventions and check-ins follow."),
            confirm=gettext_lazy("Activate"),
            done=gettext_lazy("Case activated."),
            form=VersionForm,
            permitted=lambda p: p.can_manage,
            offered=lambda p: p.can_manage and _status(p, CaseStatus.PROJECT_VALIDATED),
            run=lambda r, c, f: services.case_activate(request=r, case=c, version=f.cleaned_data["version"]),
        ),
        Action(
            slug="suspend",
            label=gettext_lazy("Suspend…"),
            explanation=gettext_lazy("The path pauses (e.g. a hospital stay); write why. It can be resumed later."),
            confirm=gettext_lazy("Suspend the case"),
            done=gettext_lazy("Case suspended."),
            form=ReasonForm,
            permitted=lambda p: p.can_manage,
            offered=lambda p: p.can_manage and _status(p, CaseStatus.ACTIVE),
            run=lambda r, c, f: services.case_suspend(
                request=r, case=c, version=f.cleaned_data["version"], reason=f.cleaned_data["reason"]
            ),
            tone="secondary",
        ),
        Action(
            slug="resume",
            label=gettext_lazy("Resume…"),
            explanation=gettext_lazy("The suspended path starts again."),
            confirm=gettext_lazy("Resume the case"),
            done=gettext_lazy("Case resumed."),
            form=VersionForm,
            permitted=lambda p: p.can_manage,
            offered=lambda p: p.can_manage and _status(p, CaseStatus.SUSPENDED),
            run=lambda r, c, f: services.case_resume(request=r, case=c, version=f.cleaned_data["version"]),
        ),
        Action(
            slug="return_to_team",
            label=gettext_lazy("Return to the team…"),
            explanation=gettext_lazy(
                "The pact is not respected (D.lgs 150/2015 art. 20): the case manager must answer. Write what happened."
            ),
            confirm=gettext_lazy("Return the case to the team"),
            done=gettext_lazy("The case was returned to the team; the case manager has been told."),
            form=ReasonForm,
            permitted=lambda p: p.can_return,
            offered=lambda p: p.can_return and _status(p, CaseStatus.ACTIVE),
            run=lambda r, c, f: services.case_return_to_team(
                request=r, case=c, version=f.cleaned_data["version"], reason=f.cleaned_data["reason"]
            ),
            tone="danger",
        ),
        Action(
            slug="answer_return",
            label=gettext_lazy("Answer the return…"),
            explanation=gettext_lazy("The CPI reported that the pact is not respected. Say what the team decided."),
            confirm=gettext_lazy("Send the answer"),
            done=gettext_lazy("Answer recorded."),
            form=AnswerReturnForm,
            permitted=lambda p: p.can_manage,
            offered=lambda p: p.can_manage and _status(p, CaseStatus.RETURNED_TO_TEAM),
            run=lambda r, c, f: services.case_answer_return(
                request=r,
                case=c,
                version=f.cleaned_data["version"],
                answer=f.cleaned_data["answer"],
                replan=f.cleaned_data["next_step"] == "replan",
            ),
        ),
        Action(
            slug="close",
            label=gettext_lazy("Close the case…"),
            explanation=gettext_lazy("Record the outcome and why the case closes. It can be re-opened with a reason."),
            confirm=gettext_lazy("Close the case"),
            done=gettext_lazy("Case closed."),
            form=CloseForm,
            permitted=lambda p: p.can_manage,
            offered=lambda p: p.can_manage and p.case.status in OPEN_STATES,
            run=lambda r, c, f: services.case_close(
                request=r,
                case=c,
                version=f.cleaned_data["version"],
                outcome=f.cleaned_data["outcome"],
                reason=f.cleaned_data["reason"],
                closed_on=f.cleaned_data["closed_on"],
            ),
            tone="danger",
        ),
        Action(
            slug="reopen",
            label=gettext_lazy("Re-open…"),
            explanation=gettext_lazy("The case goes back to assessment. Write why it re-opens."),
            confirm=gettext_lazy("Re-open the case"),
            done=gettext_lazy("Case re-opened."),
            form=ReasonForm,
            permitted=_team_changer,
            offered=lambda p: _team_changer(p) and _status(p, CaseStatus.CLOSED),
            run=lambda r, c, f: services.case_reopen(
                request=r, case=c, version=f.cleaned_data["version"], reason=f.cleaned_data["reason"]
            ),
        ),
        Action(
            slug="member_add",
            label=gettext_lazy("Add a team member…"),
            explanation=gettext_lazy("Operators of every organisation of the ambito can join the team."),
            confirm=gettext_lazy("Add to the team"),
            done=gettext_lazy("Team member added; they have been told."),
            form=MemberAddForm,
            permitted=_team_changer,
            offered=lambda p: _team_changer(p) and p.case.is_open,
            run=lambda r, c, f: services.case_member_add(
                request=r,
                case=c,
                version=f.cleaned_data["version"],
                operator=f.chosen().operator,
                structure=f.chosen().structure,
                team_role=f.cleaned_data["team_role"],
            ),
            tone="secondary",
        ),
        Action(
            slug="member_remove",
            label=gettext_lazy("Remove a team member…"),
            explanation=gettext_lazy("The operator leaves the team today and no longer sees the case."),
            confirm=gettext_lazy("Remove from the team"),
            done=gettext_lazy("Team member removed."),
            form=MemberRemoveForm,
            permitted=_team_changer,
            offered=lambda p: _team_changer(p) and p.case.is_open and _removable(p),
            run=lambda r, c, f: services.case_member_remove(
                request=r, case=c, version=f.cleaned_data["version"], member=f.chosen()
            ),
            tone="secondary",
        ),
        Action(
            slug="manager_change",
            label=gettext_lazy("Change the case manager…"),
            explanation=gettext_lazy("The coordination group hands the case to another case manager; write why."),
            confirm=gettext_lazy("Change the case manager"),
            done=gettext_lazy("Case manager changed; they have been told."),
            form=ManagerChangeForm,
            permitted=lambda p: p.can_allocate,
            offered=lambda p: p.can_allocate and p.case.is_open,
            run=lambda r, c, f: services.case_manager_change(
                request=r,
                case=c,
                version=f.cleaned_data["version"],
                operator=f.chosen().operator,
                structure=f.chosen().structure,
                reason=f.cleaned_data["reason"],
            ),
            tone="secondary",
        ),
    )
}


def _action_form(action: Action, page: CasePage, data: Any = None) -> VersionForm:
    kwargs: dict[str, Any] = {"prefix": action.slug, "initial": {"version": page.case.version}}
    if action.form is MemberAddForm:
        current = {m.operator_id for m in page.members}
        kwargs["candidates"] = [c for c in page.candidates if c.membership.operator_id not in current]
    elif action.form is ManagerChangeForm:
        kwargs["candidates"] = [c for c in page.candidates if c.membership.operator_id != page.case.case_manager_id]
    elif action.form is MemberRemoveForm:
        kwargs["members"] = page.members
    return action.form(data, **kwargs)


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- timeline sentences --------------------------------------------------------------------------

TIMELINE_SENTENCES: dict[str, Any] = {
    "cases.case.assessment_started": gettext_lazy("%(actor)s started the assessment."),
    "cases.case.project_drafted": gettext_lazy("%(actor)s marked the personalised project as drafted."),
    "cases.case.project_validated": gettext_lazy("%(actor)s validated the personalised project."),
    "cases.case.project_sent_back": gettext_lazy("%(actor)s sent the project back for changes."),
    "cases.case.activated": gettext_lazy("%(actor)s activated the case."),
    "cases.case.suspended": gettext_lazy("%(actor)s suspended the case."),
    "cases.case.resumed": gettext_lazy("%(actor)s resumed the case."),
    "cases.case.returned_to_team": gettext_lazy("%(actor)s returned the case to the team: the pact is not respected."),
    "cases.case.reopened": gettext_lazy("%(actor)s re-opened the case."),
}


def _name(operators: dict[int, Operator], pk: Any, fallback: str = "") -> str:
    operator = operators.get(pk) if isinstance(pk, int) else None
    if operator is None:
        return fallback or _("an operator")
    return operator.get_full_name() or operator.get_username()


class _Services(dict[str, str]):
    """The services an event names, by payload key; one the reader may not see named reads as
    "another service of the network"."""

    def __missing__(self, key: str) -> str:
        if not key.endswith("_structure"):
            raise KeyError(key)
        return str(_("another service of the network"))


def _sentence(
    entry: TimelineEntry,
    operators: dict[int, Operator],
    texts: dict[int, str],
    structures: dict[int, str] | None = None,
) -> tuple[str, str]:
    """A translated sentence for one event, and the text the actor wrote with it (if any).

    A registered sentence may name, besides ``%(actor)s``, a service whose id the payload carries
    under a key ending in ``_structure`` (``%(to_structure)s``): its name when ``structures`` has
    it (the case's team), "another service of the network" otherwise.
    """
    event, payload = entry.event, entry.payload
    actor = _name(operators, event.actor_id, event.actor_username)
    action = event.action
    quote = texts.get(event.seq, "")
    if action == "cases.case.opened":
        text = _("%(actor)s took the case in charge with priority “%(priority)s” after %(days)s days of waiting.") % {
            "actor": actor,
            "priority": Priority(payload.get("priority", Priority.ORDINARY)).label,
            "days": payload.get("waiting_days", "?"),
        }
    elif action == "cases.case.member_added":
        text = _("%(actor)s added %(operator)s to the team as %(role)s.") % {
            "actor": actor,
            "operator": _name(operators, payload.get("operator")),
            "role": _team_role(payload.get("team_role")),
        }
    elif action == "cases.case.member_removed":
        text = _("%(actor)s removed %(operator)s (%(role)s) from the team.") % {
            "actor": actor,
            "operator": _name(operators, payload.get("operator")),
            "role": _team_role(payload.get("team_role")),
        }
    elif action == "cases.case.case_manager_changed":
        text = _("%(actor)s made %(new)s the case manager instead of %(old)s.") % {
            "actor": actor,
            "new": _name(operators, payload.get("to")),
            "old": _name(operators, payload.get("from")),
        }
    elif action == "cases.case.return_answered":
        if payload.get("replan"):
            text = _("%(actor)s answered the return: a new project will be drafted.") % {"actor": actor}
        else:
            text = _("%(actor)s answered the return: the pact resumes.") % {"actor": actor}
    elif action == "cases.case.closed":
        outcome = payload.get("outcome", "")
        label = ClosureOutcome(outcome).label if outcome in ClosureOutcome.values else outcome
        text = _("%(actor)s closed the case: %(outcome)s.") % {"actor": actor, "outcome": label}
    elif action == "cases.note.added":
        section = payload.get("section", "")
        label = Section(section).label if section in Section.values else section
        text = _("%(actor)s wrote a note in the section “%(section)s”.") % {"actor": actor, "section": label}
    elif action in TIMELINE_SENTENCES:
        text = str(TIMELINE_SENTENCES[action]) % {"actor": actor}
    elif (registered := sentence_for(action)) is not None:
        named = _Services(actor=actor)
        for key, value in payload.items():
            if key.endswith("_structure") and isinstance(value, int) and structures and value in structures:
                named[key] = structures[value]
        text = str(registered) % named if str(registered) else ""
    else:
        # Events other apps write about the case (plans, meetings…) before this list knows them.
        text = _("%(actor)s: %(action)s") % {"actor": actor, "action": action}
    return text, quote


def _team_role(value: Any) -> str:
    return str(TeamRole(value).label) if value in TeamRole.values else str(value or "")


def _timeline_rows(timeline: CaseTimeline) -> list[dict[str, Any]]:
    rows = []
    for entry in timeline.entries:
        text, quote = _sentence(entry, timeline.operators, timeline.texts, timeline.structures)
        if not text:
            continue  # an event another event already tells (e.g. the plan's and the case's validation)
        rows.append({"when": entry.event.occurred_at, "text": text, "quote": quote, "verb": entry.verb})
    return rows


# --- the caseload -----------------------------------------------------------------------------------


@login_required
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    form = CaseloadFilterForm(request.GET or None, initial={"status": "open", "scope": "mine"})
    filters = form.filters()
    listing = selectors.caseload_listing(request=request, filters=filters)
    form.configure(case_managers=listing.case_managers, sees_ambito=listing.sees_ambito)
    page = Paginator(listing.cases, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "inbox": listing.inbox,
        "sees_ambito": listing.sees_ambito,
        "scope": filters.scope if listing.sees_ambito else "mine",
        "filtered": any([filters.priority, filters.prevalent_need, filters.case_manager, filters.status != "open"]),
        "today": timezone.localdate(),
    }
    return render(request, "cases/caseload.html", context)


# --- allocation -------------------------------------------------------------------------------------


@login_required
@require_GET
def allocation_queue(request: HttpRequest) -> HttpResponse:
    overview = selectors.allocation_overview(request=request)
    return render(request, "cases/allocation_queue.html", {"overview": overview})


@login_required
def case_open(request: HttpRequest, intake_pk: int) -> HttpResponse:
    allocation = selectors.allocation_for_intake(request=request, intake_pk=intake_pk)
    if allocation.existing_case is not None:
        messages.info(request, _("This intake has already been taken in charge."))
        return HttpResponseRedirect(reverse("cases:case_detail", args=[allocation.existing_case.pk]))
    form = CaseOpenForm(
        request.POST or None,
        intake=allocation.intake,
        candidates=allocation.candidates,
        suggestion=allocation.suggestion,
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(request=request, intake=allocation.intake, **form.service_kwargs())
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Case %(number)s opened; the team has been told.") % {"number": case.number})
            return HttpResponseRedirect(reverse("cases:case_detail", args=[case.pk]))
    context = {"allocation": allocation, "intake": allocation.intake, "form": form}
    return render(request, "cases/case_open.html", context)


@login_required
@require_GET
def intake_case_link(request: HttpRequest, intake_pk: int) -> HttpResponse:
    """The htmx fragment behind cases/_open_case_link.html on the intake page.

    Outside the coordination group the answer is an empty 204, not a 404: htmx leaves the page
    as it is, where an error would make django-htmx's debug handler replace the whole page.
    """
    found = selectors.intake_case_link(request=request, intake_pk=intake_pk)
    if found is None:
        return HttpResponse(status=204)
    intake, case = found
    return render(request, "cases/_intake_case_link.html", {"intake": intake, "case": case})


# --- the case page ------------------------------------------------------------------------------------


def _page_context(request: HttpRequest, page: CasePage, bound: tuple[str, VersionForm] | None = None) -> dict[str, Any]:
    actions: list[dict[str, Any]] = []
    for action in ACTIONS.values():
        if bound is not None and bound[0] == action.slug:
            actions.append({"action": action, "form": bound[1], "open": True})
        elif action.offered(page):
            actions.append({"action": action, "form": _action_form(action, page), "open": False})
    return {
        "page": page,
        "case": page.case,
        "state_actions": [a for a in actions if not a["action"].slug.startswith(TEAM_ACTION_PREFIXES)],
        "team_actions": [a for a in actions if a["action"].slug.startswith(TEAM_ACTION_PREFIXES)],
        "note_form": NoteForm(initial={"section": page.section}),
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.case_page(request=request, pk=pk, section=request.GET.get("section", ""))
    return render(request, "cases/case_detail.html", _page_context(request, page))


@login_required
@require_GET
def case_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """The htmx fragment of one section tab: its notes and the form to add one."""
    page = selectors.case_page(request=request, pk=pk, section=section, purpose="case_section")
    if page.section != section:
        raise Http404
    context = {"page": page, "case": page.case, "note_form": NoteForm(initial={"section": section})}
    return render(request, "cases/_sections.html", context)


@login_required
@require_GET
def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    timeline = selectors.case_timeline_for_user(request=request, pk=pk)
    return render(request, "cases/_timeline.html", {"case": timeline.case, "rows": _timeline_rows(timeline)})


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)
    section = request.POST.get("section", "")
    page = selectors.case_page(request=request, pk=pk, section=section, purpose="note_add")
    if page.section != section or not page.can_write:
        raise Http404
    if form.is_valid():
        try:
            services.case_note_add(request=request, case=page.case, section=section, text=form.cleaned_data["text"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                page = selectors.case_page(request=request, pk=pk, section=section, purpose="note_add")
                context = {"page": page, "case": page.case, "note_form": NoteForm(initial={"section": section})}
                return render(request, "cases/_sections.html", context)
            messages.success(request, _("Note added."))
            url = reverse("cases:case_detail", args=[pk]) + "?" + urlencode({"section": section})
            return HttpResponseRedirect(url + "#case-sections")
    template = "cases/_sections.html" if request.htmx else "cases/case_detail.html"  # type: ignore[attr-defined]
    context = _page_context(request, page)
    context["note_form"] = form
    return render(request, template, context)


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    page = selectors.case_page(request=request, pk=pk, purpose=f"case_{action}")
    if not spec.permitted(page):
        raise Http404
    form = _action_form(spec, page, request.POST)
    if form.is_valid():
        try:
            spec.run(request, page.case, form)
        except services.StaleVersion as exc:
            return _conflict(request, spec, page, form, exc.current)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            return HttpResponseRedirect(reverse("cases:case_detail", args=[pk]))
    return render(request, "cases/case_detail.html", _page_context(request, page, (spec.slug, form)))


def _conflict(request: HttpRequest, spec: Action, page: CasePage, form: VersionForm, current: Case) -> HttpResponse:
    """Someone changed the case since the operator loaded it: show what, keep what they typed."""
    had = form.cleaned_data["version"]
    timeline = selectors.case_timeline_for_user(
        request=request, pk=current.pk, since_version=had, purpose="case_conflict"
    )
    typed = [
        {"label": form.fields[name].label, "value": form.cleaned_data.get(name) or ""}
        for name in TYPED_FIELDS
        if name in form.fields and form.cleaned_data.get(name)
    ]
    page.case = timeline.case
    # The retry carries everything the operator chose, with the version they have now seen.
    hidden = [
        (f"{spec.slug}-{name}", form.data.get(f"{spec.slug}-{name}", "")) for name in form.fields if name != "version"
    ]
    context = {
        "case": timeline.case,
        "action": spec,
        "had_version": had,
        "rows": _timeline_rows(timeline),
        "typed": typed,
        "can_retry": spec.offered(page),
        "hidden": hidden,
    }
    return render(request, "cases/conflict.html", context, status=409)
