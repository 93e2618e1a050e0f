"""Model fields encrypted in the database (SECURITY.md R12), and the re-encryption they need.

``EncryptedTextField`` (and ``EncryptedJSONField``, for questionnaire answers) stores its value
sealed with the active field key (``intreccio.core.crypto``) and opens it when read, so models,
forms and templates see plain values while the database, its dumps and its backups hold only
ciphertext. An empty string stays empty: "blank" checks, check constraints such as
``~Q(text="")`` and forms keep working.

What a sealed column cannot do: be searched, compared or ordered in the database. Lookups other
than ``isnull`` and ``exact`` with the empty string are refused with a FieldError, so such a query
fails loudly instead of silently matching nothing; filter and sort these values in Python.

A former ``CharField`` keeps its limit as ``max_length``: enforced by the form field and by model
validation on the plain text (the column is a text column, it must hold the longer ciphertext).

``reencrypt_field`` re-seals a column's rows under the active key, batch by batch, each batch in
its own transaction; ``manage.py rotate_keys`` and the migrations that introduced the field use it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.apps import apps as global_apps
from django.core import validators
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Cast, Substr
from django.db.models.lookups import Exact, IsNull, Lookup, Transform
from django.utils.translation import gettext_lazy as _

from intreccio.core import crypto


class EmptyOnlyExact(Exact):
    """``field=""`` (and ``field=None``) only: any other value would be compared with a ciphertext."""

    def get_prep_lookup(self) -> Any:
        if self.rhs is not None and self.rhs != "":
            target = getattr(self.lhs, "target", None)
            name = getattr(target, "name", "an encrypted field")
            raise FieldError(
                f"{name} is encrypted in the database: it can only be matched against the empty string "
                "or NULL. Filter it in Python."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text sealed with AES-256-GCM in the database; see the module docstring."""

    encrypted = True
    description = _("Text (encrypted in the database)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    @property
    def encryption_context(self) -> str:
        """What the ciphertext is bound to: ``<app_label>.<model>.<field>``."""
        model = getattr(self, "model", None)
        if model is None:
            raise ImproperlyConfigured("An EncryptedTextField must belong to a model to encrypt or decrypt.")
        return f"{model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self.encryption_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, context=self.encryption_context)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return EmptyOnlyExact
        return None

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        return None

    def formfield(self, **kwargs: Any) -> Any:
        # A former CharField stays a one-line input; a former TextField stays a text area.
        if self.max_length is not None:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (answers to a questionnaire) sealed as one text: read and written whole, never queried."""

    description = _("JSON (encrypted in the database)")
    # For django-stubs: the attribute holds any JSON value, not a str as the TextField base says.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        text = super().from_db_value(value, expression, connection)
        return json.loads(text) if text else text

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return crypto.encrypt(json.dumps(value, ensure_ascii=False), context=self.encryption_context)

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)

    def formfield(self, **kwargs: Any) -> Any:
        return models.Field.formfield(self, **{"form_class": forms.JSONField, **kwargs})


def encrypted_fields(app_registry: Any = None) -> Iterator[tuple[type[models.Model], models.Field[Any, Any]]]:
    """Every (model, field) pair whose column is encrypted, in a stable order."""
    registry = app_registry or global_apps
    for model in sorted(registry.get_models(), key=lambda m: m._meta.label_lower):
        if model._meta.proxy or not model._meta.managed:
            continue
        for model_field in model._meta.local_concrete_fields:
            if getattr(model_field, "encrypted", False):
                yield model, model_field


# --- re-encryption ------------------------------------------------------------------------------


@dataclass
class Reencryption:
    """What one pass over one column did."""

    label: str  # app.Model.field
    resealed: int = 0  # values moved from an older key to the active one
    sealed_plaintext: int = 0  # values found unencrypted (written around the application) and sealed
    from_keys: Counter[str] = field(default_factory=Counter)
    unreadable: list[tuple[Any, str]] = field(default_factory=list)  # (pk, reason) of values that do not open
    batches: int = 0
    stopped_at_limit: bool = False

    @property
    def done(self) -> int:
        return self.resealed + self.sealed_plaintext


def _label(model: type[models.Model], field_name: str) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}.{field_name}"


def _context(model: type[models.Model], field_name: str) -> str:
    return f"{model._meta.label_lower}.{field_name}"


def _raw(field_name: str) -> Cast:
    """The stored (sealed) value, read around the field's decryption."""
    return Cast(field_name, output_field=models.TextField())


def _write_raw(model: type[models.Model], pk: Any, field_name: str, stored: str) -> None:
    model._base_manager.filter(pk=pk).update(**{field_name: Value(stored, output_field=models.TextField())})


def reencrypt_field(
    model: type[models.Model],
    field_name: str,
    *,
    keyring: crypto.Keyring | None = None,
    batch_size: int = 500,
    limit: int | None = None,
    on_batch: Callable[[Reencryption], None] | None = None,
) -> Reencryption:
    """Seal under the active key every value of one column that is not under it yet.

    Batches follow the primary key; each is one transaction that locks its rows, so a value is
    never half-rotated and a concurrent edit is not overwritten. Interrupted at any point, every
    row still opens with the keyring (old keys stay in it until rotation is complete) and a new
    run picks up what is left. Values that do not open are reported, not touched. ``limit`` stops
    after that many values (a planned pause, and how tests interrupt a run).
    """
    ring = keyring or crypto.current_keyring()
    context = _context(model, field_name)
    result = Reencryption(label=_label(model, field_name))
    active_prefix = f"{crypto.PREFIX}:{ring.active_id}:"
    # An equality on the head, not LIKE: SQLite's LIKE ignores case, key ids do not.
    pending = (
        model._base_manager.annotate(_sealed=_raw(field_name))
        .annotate(_head=Substr("_sealed", 1, len(active_prefix)))
        .filter(_sealed__isnull=False)
        .exclude(_sealed="")
        .exclude(_head=active_prefix)
        .order_by("pk")
    )
    last_pk: Any = None
    while True:
        if limit is not None and result.done >= limit:
            result.stopped_at_limit = True
            break
        size = batch_size if limit is None else min(batch_size, limit - result.done)
        with transaction.atomic():
            batch = pending if last_pk is None else pending.filter(pk__gt=last_pk)
            rows = list(batch.select_for_update().values_list("pk", "_sealed")[:size])
            if not rows:
                break
            for pk, stored in rows:
                last_pk = pk
                if crypto.is_token(stored):
                    try:
                        plain = crypto.decrypt(stored, context=context, keyring=ring)
                    except crypto.DecryptionError as exc:
                        result.unreadable.append((pk, str(exc)))
                        continue
                    result.from_keys[crypto.token_key_id(stored) or "?"] += 1
                    result.resealed += 1
                else:
                    plain = stored
                    result.sealed_plaintext += 1
                _write_raw(model, pk, field_name, crypto.encrypt(plain, context=context, keyring=ring))
        result.batches += 1
        if on_batch is not None:
            on_batch(result)
    return result


def count_by_key(
    model: type[models.Model], field_name: str, *, keyring: crypto.Keyring | None = None
) -> tuple[Counter[str], list[tuple[Any, str]]]:
    """How many values of a column each key id seals (``""`` for unencrypted ones), and those that do not open."""
    ring = keyring or crypto.current_keyring()
    context = _context(model, field_name)
    counts: Counter[str] = Counter()
    unreadable: list[tuple[Any, str]] = []
    rows = (
        model._base_manager.annotate(_sealed=_raw(field_name))
        .filter(_sealed__isnull=False)
        .exclude(_sealed="")
        .order_by("pk")
        .values_list("pk", "_sealed")
    )
    for pk, stored in rows.iterator(chunk_size=2000):
        counts[crypto.token_key_id(stored) or ""] += 1
        if not crypto.is_token(stored):
            continue  # unencrypted: counted apart, rotate_keys seals it
        try:
            crypto.decrypt(stored, context=context, keyring=ring)
        except crypto.DecryptionError as exc:
            unreadable.append((pk, str(exc)))
    return counts, unreadable


# --- migrations ---------------------------------------------------------------------------------


def encrypt_existing_rows(app_label: str, model_fields: dict[str, list[str]]) -> tuple[Any, Any]:
    """RunPython forward and backward functions for a migration that turns columns into encrypted ones.

    Forward seals every plain value (idempotent: sealed values are only re-sealed if under an old
    key); backward writes the plain text back, so that the column can become a CharField again.
    """

    def forward(apps: Any, schema_editor: Any) -> None:
        for model_name, names in model_fields.items():
            model = apps.get_model(app_label, model_name)
            for name in names:
                result = reencrypt_field(model, name)
                if result.unreadable:
                    raise RuntimeError(f"{result.label}: {len(result.unreadable)} values do not open with the keyring")

    def backward(apps: Any, schema_editor: Any) -> None:
        for model_name, names in model_fields.items():
            model = apps.get_model(app_label, model_name)
            for name in names:
                context = _context(model, name)
                rows = (
                    model._base_manager.annotate(_sealed=_raw(name)).filter(_sealed__isnull=False).exclude(_sealed="")
                )
                for pk, stored in list(rows.values_list("pk", "_sealed")):
                    if crypto.is_token(stored):
                        _write_raw(model, pk, name, crypto.decrypt(stored, context=context))

    return forward, backward
