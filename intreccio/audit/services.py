"""The one small API that every other app uses to write the audit trail.

Call ``record_access`` / ``record_event`` inside the transaction of the read or
write they describe: if the audit row cannot be written, the whole operation
fails (SECURITY.md R4).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from intreccio.audit.models import AccessEvent, AuditChain, ChainedEvent, DomainEvent

if TYPE_CHECKING:
    from intreccio.accounts.models import Operator

ACCESS_CHAIN = "access"
DOMAIN_CHAIN = "domain"

# Fields covered by each chain's hash, in a fixed order. Adding a field means a new chain version.
ACCESS_FIELDS = (
    "seq", "occurred_at", "request_id", "actor_id", "actor_username", "role", "organisation_id",
    "organisation_name", "object_type", "object_id", "section", "purpose",
)  # fmt: skip
DOMAIN_FIELDS = (
    "seq", "occurred_at", "request_id", "action", "actor_id", "actor_username", "role", "organisation_id",
    "target_type", "target_id", "payload",
)  # fmt: skip


# "app.entity.verb", lowercase segments: the timeline and the auditor's filters rely on the shape.
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")


class AuditError(Exception):
    """The audit trail could not be written; the operation it describes must not go ahead."""


@dataclass(frozen=True)
class ActorContext:
    """Who acts, as the audit needs to remember it even if the account changes later."""

    operator: Operator | None
    username: str
    role: str
    organisation_id: int | None
    organisation_name: str


def actor_context(*, actor: Operator | None, request: HttpRequest | None = None) -> ActorContext:
    membership = getattr(request, "membership", None) if request is not None else None
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ActorContext(operator=None, username="", role="", organisation_id=None, organisation_name="")
    role = membership.role if membership is not None else ""
    organisation = membership.structure.organisation if membership is not None else None
    return ActorContext(
        operator=actor,
        username=actor.get_username(),
        role=role,
        organisation_id=organisation.pk if organisation is not None else None,
        organisation_name=organisation.name if organisation is not None else "",
    )


def _canonical(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def compute_hash(*, prev_hash: str, fields: tuple[str, ...], row: ChainedEvent) -> str:
    content = {name: _canonical(getattr(row, name)) for name in fields}
    message = prev_hash + "|" + json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _append(chain_name: str, fields: tuple[str, ...], row: ChainedEvent) -> None:
    _append_many(chain_name, fields, [row])


def _append_many(chain_name: str, fields: tuple[str, ...], rows: list[ChainedEvent]) -> None:
    # The chain head's row lock makes appends to one chain strictly sequential; it is held only
    # until the surrounding transaction commits. Several rows share one lock and one insert.
    if not rows:
        return
    chain, _created = AuditChain.objects.select_for_update().get_or_create(name=chain_name)
    seq, prev_hash = chain.last_seq, chain.last_hash
    now = timezone.now()
    for row in rows:
        seq += 1
        row.seq = seq
        row.prev_hash = prev_hash
        row.occurred_at = row.occurred_at or now
        # JSON payloads are hashed as the database will give them back.
        row.row_hash = compute_hash(prev_hash=row.prev_hash, fields=fields, row=row)
        prev_hash = row.row_hash
    type(rows[0])._default_manager.bulk_create(rows)
    chain.last_seq = seq
    chain.last_hash = prev_hash
    chain.save(update_fields=["last_seq", "last_hash"])


def _request_id(request: HttpRequest | None) -> str:
    return str(getattr(request, "request_id", "")) if request is not None else ""


def _object_key(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def record_access(
    *,
    actor: Operator,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    section: str = "",
    purpose: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AccessEvent:
    """Record that ``actor`` read ``obj`` (optionally one ``section`` of it).

    A read of something that is not one model instance (a list, a search, an export) passes
    ``object_type``/``object_id`` instead of ``obj``, e.g. ``object_type="audit.accessevent",
    object_id="list"``.
    """
    ctx = actor_context(actor=actor, request=request)
    if ctx.operator is None:
        raise AuditError("An access record needs an authenticated operator.")
    if obj is not None:
        if object_type or object_id:
            raise ValueError("Pass either obj or object_type/object_id, not both.")
        object_type, object_id = _object_key(obj)
    elif not object_type or not object_id:
        raise ValueError("An access record needs obj, or both object_type and object_id.")
    event = AccessEvent(
        actor=ctx.operator,
        actor_username=ctx.username,
        role=ctx.role,
        organisation_id=ctx.organisation_id,
        organisation_name=ctx.organisation_name,
        object_type=object_type,
        object_id=object_id,
        section=section,
        purpose=purpose,
        request_id=_request_id(request),
    )
    try:
        with transaction.atomic():
            _append(ACCESS_CHAIN, ACCESS_FIELDS, event)
    except Exception as exc:
        raise AuditError(f"Could not write the access record: {exc}") from exc
    return event


def record_access_many(
    *,
    actor: Operator,
    objs: list[models.Model],
    request: HttpRequest | None = None,
    section: str = "",
    purpose: str = "",
) -> list[AccessEvent]:
    """One access record per object, written together (a result list, an export)."""
    ctx = actor_context(actor=actor, request=request)
    if ctx.operator is None:
        raise AuditError("An access record needs an authenticated operator.")
    events = []
    for obj in objs:
        object_type, object_id = _object_key(obj)
        events.append(
            AccessEvent(
                actor=ctx.operator,
                actor_username=ctx.username,
                role=ctx.role,
                organisation_id=ctx.organisation_id,
                organisation_name=ctx.organisation_name,
                object_type=object_type,
                object_id=object_id,
                section=section,
                purpose=purpose,
                request_id=_request_id(request),
            )
        )
    try:
        with transaction.atomic():
            _append_many(ACCESS_CHAIN, ACCESS_FIELDS, list(events))
    except Exception as exc:
        raise AuditError(f"Could not write the access records: {exc}") from exc
    return events


def record_event(
    *,
    action: str,
    actor: Operator | None,
    target: models.Model | None = None,
    payload: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> DomainEvent:
    """Record a namespaced domain action such as ``accounts.operator.created``."""
    if not ACTION_RE.match(action):
        raise ValueError("Domain event actions are namespaced: 'app.entity.verb'.")
    ctx = actor_context(actor=actor, request=request)
    target_type, target_id = _object_key(target)
    # Round-trip the payload through JSON so that the hash covers what is stored.
    clean_payload = json.loads(json.dumps(payload or {}, default=str))
    event = DomainEvent(
        action=action,
        actor=ctx.operator,
        actor_username=ctx.username,
        role=ctx.role,
        organisation_id=ctx.organisation_id,
        target_type=target_type,
        target_id=target_id,
        payload=clean_payload,
        request_id=_request_id(request),
    )
    try:
        with transaction.atomic():
            _append(DOMAIN_CHAIN, DOMAIN_FIELDS, event)
    except Exception as exc:
        raise AuditError(f"Could not write the domain event: {exc}") from exc
    return event
