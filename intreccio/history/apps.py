from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def _drop_before_migrate(sender: AppConfig, *, using: str, **kwargs: Any) -> None:
    from intreccio.history.triggers import remove_triggers

    remove_triggers(connections[using])


def _install_after_migrate(sender: AppConfig, *, using: str, **kwargs: Any) -> None:
    from intreccio.history.triggers import install_triggers

    install_triggers(connections[using])


class HistoryConfig(AppConfig):
    name = "intreccio.history"
    label = "history"
    verbose_name = _("Change history")

    def ready(self) -> None:
        from intreccio.accounts.permissions import can_read_audit
        from intreccio.core.navigation import NavEntry, register

        register(NavEntry("history:row_changes", _("Change history"), can_read_audit, order=30, group="privacy"))
        # The change-history triggers follow the schema: dropped before every migrate, made
        # again from the current models and tables after it (see intreccio.history.triggers).
        pre_migrate.connect(_drop_before_migrate, sender=self, dispatch_uid="history.drop_triggers")
        post_migrate.connect(_install_after_migrate, sender=self, dispatch_uid="history.install_triggers")
