from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "intreccio.retention"
    label = "retention"
    verbose_name = _("Retention")

    def ready(self) -> None:
        from intreccio.core.navigation import NavEntry, register
        from intreccio.retention.permissions import can_view

        register(NavEntry("retention:overview", _("Retention"), can_view, order=60, group="privacy"))
