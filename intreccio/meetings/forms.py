"""Forms of the meeting pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm, date_field
from intreccio.accounts.models import Operator, Organisation
from intreccio.meetings.languages import language_choices
from intreccio.meetings.models import Attendance, BookingStatus, Mediator, Meeting
from intreccio.territory.models import Comune, SubAmbito

TIME_FORMATS = ["%H:%M", "%H.%M"]


def _time_field(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(format="%H:%M", attrs={"placeholder": _("hh:mm"), "inputmode": "numeric"}),
        help_text=_("hh:mm, e.g. 14:30"),
        error_messages={"invalid": _("Enter a time as hh:mm, e.g. 14:30.")},
    )


class OperatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class OperatorMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class MeetingForm(StyledForm):
    """When and where, on one day: team meetings do not span days."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("E.g. “Assessment” or “Project review”. Do not write the person's name: use the case number."),
    )
    day = date_field(_("Day"), required=True)
    start_time = _time_field(_("From"))
    end_time = _time_field(_("To"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False, help_text=_("Office, room, address."))
    video_link = forms.CharField(
        label=_("Video-call link"), max_length=500, required=False, help_text=_("If the meeting is online.")
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Read in Intreccio by the team; the e-mail carries only the date, the place and a link."),
    )

    def __init__(self, *args: Any, team: list[Operator] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if team is not None:
            self.fields["invitees"] = OperatorMultipleChoice(
                label=_("Invite"),
                queryset=Operator.objects.filter(pk__in=[o.pk for o in team]).order_by("last_name", "first_name"),
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )

    def moment(self, time_name: str) -> datetime.datetime | None:
        day = self.cleaned_data.get("day")
        time = self.cleaned_data.get(time_name)
        if day is None or time is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(day, time))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "starts_at": self.moment("start_time"),
            "ends_at": self.moment("end_time"),
            "place": data["place"],
            "video_link": data["video_link"],
            "agenda": data["agenda"],
        }

    @staticmethod
    def initial_for(meeting: Meeting) -> dict[str, Any]:
        start = timezone.localtime(meeting.starts_at)
        return {
            "title": meeting.title,
            "day": start.date(),
            "start_time": start.time(),
            "end_time": timezone.localtime(meeting.ends_at).time(),
            "place": meeting.place,
            "video_link": meeting.video_link,
            "agenda": meeting.agenda,
            "version": meeting.version,
        }


class RescheduleForm(MeetingForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AttendanceForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitees = list(meeting.invitees.all())
        choices = [c for c in Attendance.choices if c[0] != Attendance.INVITED]
        for invitee in self.invitees:
            self.fields[f"op_{invitee.operator_id}"] = forms.ChoiceField(
                label=str(invitee.operator),
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
                initial=None if invitee.attendance == Attendance.INVITED else invitee.attendance,
            )

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(invitee, self[f"op_{invitee.operator_id}"]) for invitee in self.invitees]

    def attendance(self) -> dict[int, str]:
        return {
            invitee.operator_id: self.cleaned_data[f"op_{invitee.operator_id}"]
            for invitee in self.invitees
            if self.cleaned_data.get(f"op_{invitee.operator_id}")
        }


class MinutesForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("The whole team reads the minutes, the CPI included: write health details in the health section."),
    )


class DecisionForm(StyledForm):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = OperatorChoice(label=_("Who carries it out"), queryset=Operator.objects.none(), required=False)
    due_on = date_field(_("By"), required=False)

    def __init__(self, *args: Any, team: list[Operator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = Operator.objects.filter(pk__in=[o.pk for o in team]).order_by("last_name", "first_name")


class MediatorSearchForm(StyledForm):
    language = forms.ChoiceField(label=_("Language"), required=False)
    comune = forms.ModelChoiceField(
        label=_("Comune of the meeting or of the person"),
        queryset=Comune.objects.none(),
        required=False,
        empty_label=_("Anywhere in the ambito"),
    )

    def __init__(self, *args: Any, ambito_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("Choose the language")), *language_choices()]
        comune = self.fields["comune"]
        assert isinstance(comune, forms.ModelChoiceField)
        comune.queryset = Comune.objects.filter(ambito_id=ambito_id).order_by("name")


class MediatorBookForm(forms.Form):
    mediator = forms.ModelChoiceField(queryset=Mediator.objects.all())
    language = forms.CharField(max_length=2)


class BookingStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(BookingStatus.CONFIRMED, ""), (BookingStatus.CANCELLED, "")])


class MediatorForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Independent"),
        help_text=_("The cooperative or association the mediator works through."),
    )
    email = forms.EmailField(label=_("E-mail"), help_text=_("Requests for mediation are sent here."))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=language_choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    sub_ambiti = forms.ModelMultipleChoiceField(
        label=_("Sub-ambiti"),
        queryset=SubAmbito.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comuni = forms.ModelMultipleChoiceField(
        label=_("Comuni"),
        queryset=Comune.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Ctrl-click (Cmd on a Mac) to choose several. Leave sub-ambiti and comuni empty if the mediator "
            "covers the whole ambito."
        ),
    )
    is_active = forms.BooleanField(label=_("Active: can be booked"), required=False, initial=True)

    def __init__(self, *args: Any, ambito_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        querysets = {
            "organisation": Organisation.objects.filter(ambito_id=ambito_id, is_active=True).order_by("name"),
            "sub_ambiti": SubAmbito.objects.filter(ambito_id=ambito_id).order_by("name"),
            "comuni": Comune.objects.filter(ambito_id=ambito_id).order_by("name"),
        }
        for name, queryset in querysets.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset

    @staticmethod
    def initial_for(mediator: Mediator) -> dict[str, Any]:
        return {
            "name": mediator.name,
            "organisation": mediator.organisation_id,
            "email": mediator.email,
            "phone": mediator.phone,
            "languages": mediator.language_codes,
            "sub_ambiti": list(mediator.sub_ambiti.all()),
            "comuni": list(mediator.comuni.all()),
            "is_active": mediator.is_active,
        }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "organisation": data["organisation"],
            "email": data["email"],
            "phone": data["phone"],
            "languages": data["languages"],
            "sub_ambiti": list(data["sub_ambiti"]),
            "comuni": list(data["comuni"]),
        }
