"""How meeting events read in the case timeline."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "meetings.meeting.convened": _("%(actor)s convened a team meeting."),
    "meetings.meeting.updated": _("%(actor)s changed a team meeting."),
    "meetings.meeting.rescheduled": _("%(actor)s rescheduled a team meeting."),
    "meetings.meeting.cancelled": _("%(actor)s cancelled a team meeting."),
    "meetings.meeting.attendance_recorded": _("%(actor)s recorded who attended a team meeting."),
    "meetings.meeting.minutes_recorded": _("%(actor)s wrote the minutes of a team meeting."),
    "meetings.decision.added": _("%(actor)s recorded a decision of the team."),
    "meetings.mediator.booked": _("%(actor)s booked a linguistic-cultural mediator for a meeting."),
    "meetings.booking.requested": _("%(actor)s asked again for the mediator of a meeting."),
    "meetings.booking.confirmed": _("%(actor)s confirmed the mediator of a meeting."),
    "meetings.booking.cancelled": _("%(actor)s released the mediator of a meeting."),
}
