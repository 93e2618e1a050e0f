"""Meeting pages: the case's panel, convene, detail, change, cancel, attendance, minutes,
decisions, the mediator booking, the .ics, and the mediators' roster.

Each view parses, authorises (missing and forbidden are both 404, so existence never leaks),
makes one domain call and renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intreccio.accounts.forms import add_service_errors
from intreccio.meetings import notifications, permissions, selectors, services
from intreccio.meetings.forms import (
    AttendanceForm,
    BookingStatusForm,
    CancelForm,
    DecisionForm,
    MediatorBookForm,
    MediatorForm,
    MediatorSearchForm,
    MeetingForm,
    MinutesForm,
    RescheduleForm,
)
from intreccio.meetings.languages import language_name
from intreccio.meetings.models import Meeting


def _detail_url(meeting: Meeting) -> str:
    return reverse("meetings:meeting_detail", args=[meeting.pk])


# The services speak of moments; the form asks for a day and two times.
SERVICE_TO_FORM_FIELD = {"starts_at": "start_time", "ends_at": "end_time"}


def _meeting_errors(form: MeetingForm, error: ValidationError) -> None:
    renamed = {SERVICE_TO_FORM_FIELD.get(k, k): v for k, v in error.error_dict.items()}
    add_service_errors(form, ValidationError(renamed))


def _meeting_to_run(request: HttpRequest, pk: int, purpose: str) -> Meeting:
    """A meeting the operator may run (the case manager); 404 for anyone else."""
    meeting = selectors.meeting_get_for_user(request=request, pk=pk, purpose=purpose)
    assert meeting.case is not None
    if not permissions.can_run_meetings(request, meeting.case):
        raise Http404
    return meeting


# --- the case's meetings -------------------------------------------------------------------------


@login_required
@require_GET
def case_panel(request: HttpRequest, case_pk: int) -> HttpResponse:
    """The meetings of a case: an htmx fragment for the case page, or a page of its own."""
    panel = selectors.case_panel(request=request, case_pk=case_pk)
    context = {"panel": panel, "case": panel.case, "can_run": permissions.can_run_meetings(request, panel.case)}
    template = "meetings/_case_panel.html" if getattr(request, "htmx", False) else "meetings/case_meetings.html"
    return render(request, template, context)


@login_required
def meeting_new(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = selectors.case_for_meetings(request=request, case_pk=case_pk, purpose="convene a team meeting")
    if not permissions.can_run_meetings(request, case):
        raise Http404
    team = selectors.team_operators(case=case)
    others = [o.pk for o in team if o.pk != request.user.pk]
    form = MeetingForm(request.POST or None, team=team, initial={"invitees": others})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_convene(
                request=request, case=case, invitees=list(form.cleaned_data["invitees"]), **form.values()
            )
        except ValidationError as exc:
            _meeting_errors(form, exc)
        else:
            messages.success(request, _("Meeting convened: the invitees receive the convocation by e-mail."))
            return HttpResponseRedirect(_detail_url(meeting))
    return render(request, "meetings/meeting_form.html", {"form": form, "case": case, "meeting": None})


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(request=request, pk=pk)
    assert meeting.case is not None
    context = {
        "meeting": meeting,
        "case": meeting.case,
        "can_run": permissions.can_run_meetings(request, meeting.case),
        "can_write_minutes": permissions.can_write_minutes(request, meeting),
        "when": notifications.when_text(meeting),
        "status_form": BookingStatusForm(),
    }
    return render(request, "meetings/meeting_detail.html", context)


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_to_run(request, pk, "change a team meeting")
    form = RescheduleForm(request.POST or None, initial=MeetingForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_reschedule(
                request=request, meeting=meeting, version=form.cleaned_data["version"], **form.values()
            )
        except services.StaleMeeting as stale:
            current = MeetingForm.initial_for(stale.current)
            form = RescheduleForm({**current, "day": current["day"].strftime("%d/%m/%Y")})
            form.is_valid()
            form.add_error(None, _("Someone changed this meeting meanwhile: here it is as it is now."))
        except ValidationError as exc:
            _meeting_errors(form, exc)
        else:
            messages.success(request, _("Meeting saved. If the date or place changed, the invitees were told."))
            return HttpResponseRedirect(_detail_url(meeting))
    return render(request, "meetings/meeting_form.html", {"form": form, "case": meeting.case, "meeting": meeting})


@login_required
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_to_run(request, pk, "cancel a team meeting")
    form = CancelForm(request.POST or None, initial={"version": meeting.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                request=request,
                meeting=meeting,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except services.StaleMeeting as stale:
            form = CancelForm({"version": stale.current.version, "reason": form.cleaned_data["reason"]})
            form.is_valid()
            form.add_error(None, _("Someone changed this meeting meanwhile: check it and confirm again."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Meeting cancelled: the invitees were told."))
            return HttpResponseRedirect(_detail_url(meeting))
    context = {"form": form, "meeting": meeting, "case": meeting.case, "when": notifications.when_text(meeting)}
    return render(request, "meetings/meeting_cancel.html", context)


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_to_run(request, pk, "record attendance")
    form = AttendanceForm(request.POST or None, meeting=meeting, initial={"version": meeting.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record_attendance(
                request=request, meeting=meeting, version=form.cleaned_data["version"], attendance=form.attendance()
            )
        except services.StaleMeeting:
            form.add_error(None, _("Someone changed this meeting meanwhile: reload the page and mark again."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Attendance recorded."))
            return HttpResponseRedirect(_detail_url(meeting))
    context = {"form": form, "meeting": meeting, "case": meeting.case, "when": notifications.when_text(meeting)}
    return render(request, "meetings/attendance.html", context)


@login_required
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(request=request, pk=pk, purpose="write the minutes")
    if not permissions.can_write_minutes(request, meeting):
        raise Http404
    form = MinutesForm(request.POST or None, initial={"version": meeting.version, "minutes": meeting.minutes})
    conflict: Meeting | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record_minutes(
                request=request,
                meeting=meeting,
                version=form.cleaned_data["version"],
                minutes=form.cleaned_data["minutes"],
            )
        except services.StaleMeeting as stale:
            # Keep what this operator wrote, show what the other saved, and let them merge.
            conflict = stale.current
            form = MinutesForm({"version": conflict.version, "minutes": form.cleaned_data["minutes"]})
            form.is_valid()
            form.add_error(
                None,
                _("%(name)s saved the minutes while you were writing. Their text is shown below: merge and save again.")
                % {"name": conflict.minutes_by or _("Someone")},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Minutes saved."))
            return HttpResponseRedirect(_detail_url(meeting))
    context = {
        "form": form,
        "meeting": meeting,
        "case": meeting.case,
        "conflict": conflict,
        "when": notifications.when_text(meeting),
    }
    return render(request, "meetings/minutes.html", context)


@login_required
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_to_run(request, pk, "record a decision")
    assert meeting.case is not None
    form = DecisionForm(request.POST or None, team=selectors.team_operators(case=meeting.case))
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_add(request=request, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return HttpResponseRedirect(_detail_url(meeting) + "#decisions")
    context = {"form": form, "meeting": meeting, "case": meeting.case, "when": notifications.when_text(meeting)}
    return render(request, "meetings/decision_form.html", context)


@login_required
def mediator_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Find a mediator by language and area (GET), then book one (POST)."""
    meeting = _meeting_to_run(request, pk, "book a mediator")
    assert meeting.case is not None
    ambito_id = meeting.case.ambito_id
    search = MediatorSearchForm(request.GET or None, ambito_id=ambito_id)
    book_errors: list[str] = []
    if request.method == "POST":
        book = MediatorBookForm(request.POST)
        if book.is_valid():
            try:
                booking = services.mediator_book(request=request, meeting=meeting, **book.cleaned_data)
            except ValidationError as exc:
                book_errors = exc.messages
            else:
                messages.success(
                    request,
                    _("Request sent to %(name)s for %(language)s.")
                    % {"name": booking.mediator, "language": language_name(booking.language)},
                )
                return HttpResponseRedirect(_detail_url(meeting) + "#mediation")
        else:
            book_errors = [_("Choose a mediator from the results.")]
    found = None
    language = ""
    if search.is_valid() and search.cleaned_data["language"]:
        language = search.cleaned_data["language"]
        found = selectors.mediator_find(ambito_id=ambito_id, language=language, comune=search.cleaned_data["comune"])
    context = {
        "meeting": meeting,
        "case": meeting.case,
        "search": search,
        "found": found,
        "language": language,
        "language_label": language_name(language) if language else "",
        "book_errors": book_errors,
        "when": notifications.when_text(meeting),
    }
    return render(request, "meetings/mediator_book.html", context)


@login_required
@require_POST
def booking_status(request: HttpRequest, pk: int, booking_pk: int) -> HttpResponse:
    meeting = _meeting_to_run(request, pk, "update a mediator booking")
    booking = selectors.booking_for_meeting(meeting=meeting, booking_pk=booking_pk)
    form = BookingStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose confirm or cancel."))
    else:
        try:
            services.mediator_booking_set_status(request=request, booking=booking, status=form.cleaned_data["status"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Booking updated."))
    return HttpResponseRedirect(_detail_url(meeting) + "#mediation")


@login_required
@require_GET
def ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(request=request, pk=pk, purpose="download the calendar invitation")
    text = notifications.meeting_calendar(meeting, link=notifications.meeting_link(request, meeting))
    method = "CANCEL" if meeting.status == "cancelled" else "REQUEST"
    response = HttpResponse(text.encode("utf-8"), content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="incontro-{meeting.pk}.ics"'
    return response


# --- the mediators' roster -----------------------------------------------------------------------


@login_required
@require_GET
def mediator_list(request: HttpRequest) -> HttpResponse:
    mediators = list(selectors.mediator_list(request=request))
    return render(request, "meetings/mediator_list.html", {"mediators": mediators})


def _roster_ambito(request: HttpRequest) -> int:
    ambito_id = permissions.roster_ambito_id(request)
    if ambito_id is None:
        raise Http404
    return ambito_id


@login_required
def mediator_create(request: HttpRequest) -> HttpResponse:
    ambito_id = _roster_ambito(request)
    form = MediatorForm(request.POST or None, ambito_id=ambito_id, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            mediator = services.mediator_create(request=request, **form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s added to the roster.") % {"name": mediator})
            return HttpResponseRedirect(reverse("meetings:mediator_list"))
    return render(request, "meetings/mediator_form.html", {"form": form, "mediator": None})


@login_required
def mediator_update(request: HttpRequest, pk: int) -> HttpResponse:
    mediator = selectors.mediator_get_for_user(request=request, pk=pk)
    form = MediatorForm(request.POST or None, ambito_id=mediator.ambito_id, initial=MediatorForm.initial_for(mediator))
    if request.method == "POST" and form.is_valid():
        values: dict[str, Any] = form.values()
        try:
            services.mediator_update(
                request=request, mediator=mediator, is_active=form.cleaned_data["is_active"], **values
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Roster updated."))
            return HttpResponseRedirect(reverse("meetings:mediator_list"))
    return render(request, "meetings/mediator_form.html", {"form": form, "mediator": mediator})
