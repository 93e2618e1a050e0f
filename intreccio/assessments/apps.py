from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "intreccio.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from intreccio.assessments.timeline import SENTENCES
        from intreccio.cases.timeline import register_sentences

        register_sentences(SENTENCES)
