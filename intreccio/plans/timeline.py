"""How plan events read in the case timeline."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# An empty sentence hides the event from the timeline (never gettext(""): that is the catalogue header).
SILENT = ""

SENTENCES: dict[str, Promise | str] = {
    "plans.plan.created": _("%(actor)s started a personalised project."),
    "plans.plan.updated": _("%(actor)s changed the personalised project."),
    # Submitting, validating and sending back also move the case, whose own events tell them.
    "plans.plan.submitted": SILENT,
    "plans.plan.validated": SILENT,
    "plans.plan.sent_back": SILENT,
    "plans.goal.added": _("%(actor)s added a goal to the project."),
    "plans.goal.updated": _("%(actor)s changed a goal of the project."),
    "plans.goal.removed": _("%(actor)s removed a goal from the project."),
    "plans.commitment.added": _("%(actor)s added a commitment to the pact."),
    "plans.commitment.updated": _("%(actor)s changed a commitment of the pact."),
    "plans.commitment.removed": _("%(actor)s removed a commitment from the pact."),
    "plans.intervention.added": _("%(actor)s planned an intervention."),
    "plans.intervention.updated": _("%(actor)s changed a planned intervention."),
    "plans.intervention.removed": _("%(actor)s removed a planned intervention."),
    "plans.intervention.started": _("%(actor)s recorded the start of an intervention."),
    "plans.deviation.explained": _("%(actor)s explained a deviation from the assistance package."),
    "plans.checkin.recorded": _("%(actor)s recorded a check-in."),
}
