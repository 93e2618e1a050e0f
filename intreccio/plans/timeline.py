"""How plan events read in the case timeline."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "plans.plan.created": _("%(actor)s started a personalised project."),
    "plans.plan.updated": _("%(actor)s changed the personalised project."),
    "plans.plan.submitted": _("%(actor)s submitted the project to the coordination group."),
    "plans.plan.validated": _("%(actor)s validated the project for the coordination group."),
    "plans.plan.sent_back": _("%(actor)s sent the project back to the case manager."),
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
