"""The audit trail: who read what (AccessEvent) and who did what (DomainEvent).

Both tables are append-only (database triggers refuse UPDATE and DELETE) and
hash-chained: each row carries an HMAC over its own content and the previous
row's hash, with a key kept outside the database, so a forged, edited or
deleted row is found by ``manage.py audit_verify``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intreccio.core.privacy import Category, P, Purpose

# Audit rows identify operators and the objects they touched: kept for accountability only.
AUDIT = P(Category.TECHNICAL, Purpose.SECURITY)


class AuditChain(models.Model):
    """The head of one hash chain; its row lock serialises appends to that chain."""

    name = models.CharField(_("name"), max_length=32, primary_key=True)
    last_seq = models.BigIntegerField(_("last sequence number"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default="")

    privacy = dict.fromkeys(("name", "last_seq", "last_hash"), AUDIT)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")

    def __str__(self) -> str:
        return f"{self.name} #{self.last_seq}"


class ChainedEvent(models.Model):
    seq = models.BigIntegerField(_("sequence number"), unique=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    row_hash = models.CharField(_("hash"), max_length=64, editable=False)
    occurred_at = models.DateTimeField(_("when"), db_index=True, editable=False)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True


class AccessEvent(ChainedEvent):
    """A read of a sensitive object: a person, a case, a section of a case, an export."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    actor_username = models.CharField(_("username"), max_length=150)
    role = models.CharField(_("role"), max_length=32, blank=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True)
    organisation_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    section = models.CharField(_("section"), max_length=64, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    privacy = dict.fromkeys(
        (
            "id",
            "seq",
            "prev_hash",
            "row_hash",
            "occurred_at",
            "request_id",
            "actor",
            "actor_username",
            "role",
            "organisation_id",
            "organisation_name",
            "object_type",
            "object_id",
            "section",
            "purpose",
        ),
        AUDIT,
    )

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "occurred_at"], name="accessevent_object_idx"),
            models.Index(fields=["actor", "occurred_at"], name="accessevent_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_username} read {self.object_type}:{self.object_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class DomainEvent(ChainedEvent):
    """Something that happened in the domain, e.g. ``accounts.operator.created``."""

    action = models.CharField(_("action"), max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=32, blank=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    privacy = dict.fromkeys(
        (
            "id",
            "seq",
            "prev_hash",
            "row_hash",
            "occurred_at",
            "request_id",
            "action",
            "actor",
            "actor_username",
            "role",
            "organisation_id",
            "target_type",
            "target_id",
            "payload",
        ),
        AUDIT,
    )

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "seq"], name="domainevent_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_username or '-'} at {self.occurred_at:%Y-%m-%d %H:%M}"
