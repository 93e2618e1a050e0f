from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "intreccio.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from intreccio.cases.timeline import register_sentences
        from intreccio.core.navigation import NavEntry, register
        from intreccio.meetings.timeline import SENTENCES

        register_sentences(SENTENCES)
        from intreccio.meetings.permissions import roster_ambito_id

        register(
            NavEntry(
                "meetings:mediator_list",
                _("Mediators"),
                lambda r: roster_ambito_id(r) is not None,
                order=70,
                group="network",
            )
        )
