"""How assessment events read in the case timeline."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "assessments.assessment.started": _("%(actor)s started an assessment."),
    "assessments.assessment.saved": _("%(actor)s saved answers of an assessment."),
    "assessments.assessment.completed": _("%(actor)s completed an assessment."),
    "assessments.employability_profile.recorded": _("%(actor)s recorded the employability profile (CPI)."),
}
