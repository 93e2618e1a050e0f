"""``manage.py rotate_keys``: re-encrypt every encrypted field under the active key (SECURITY.md R12).

Rotation in three steps: put the new key first in ``INTRECCIO_FIELD_KEYS`` and keep the old ones
after it, restart every process (new values are sealed with the new key), run this command; when
``rotate_keys --check`` reports every value under the active key, the old keys can go.

The change history (``history_rowchange.old_row``) keeps copies of rows as they were stored, sealed
under the keys active back then: after the columns, the command re-encrypts the values of encrypted
columns inside those copies (``intreccio.core.history_keys``), last, because re-encrypting a column
is itself an UPDATE that the history copies. ``--check`` counts them too.

Each batch is one transaction: stopped at any point (``--limit``, an error, Ctrl+C) every value
still opens with the keyring, and running the command again finishes the job. Values that do not
open (a key missing from the keyring, a value copied from another column) are listed by row and
left as they are; the command then exits non-zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intreccio.core import crypto
from intreccio.core.fields import Reencryption, count_by_key, encrypted_fields, reencrypt_field
from intreccio.core.history_keys import (
    SealedColumn,
    count_copies_by_key,
    history_label,
    history_model,
    reencrypt_copies,
    sealed_columns,
)


def _history() -> tuple[Any, dict[str, dict[str, SealedColumn]]] | None:
    """The change-history model and, per table, the encrypted columns its copies may hold (None: no history)."""
    row_change = history_model(apps)
    if row_change is None:
        return None
    return row_change, sealed_columns(encrypted_fields())


class Command(BaseCommand):
    # argparse needs real strings; like Django's own commands, the help stays in English.
    help = (
        "Re-encrypt every encrypted field value that is not under the active key (the first of "
        "INTRECCIO_FIELD_KEYS), batch by batch; safe to interrupt and run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument(
            "--limit", type=int, default=None, help="Stop after re-encrypting this many values; run again to go on."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: count the values under each key and check that every one opens.",
        )
        parser.add_argument(
            "--new-key",
            metavar="KEY_ID",
            help="Print a new random key entry '<KEY_ID>:<base64 key>' to put first in INTRECCIO_FIELD_KEYS, and exit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            try:
                self.stdout.write(crypto.generate_key_entry(options["new_key"]))
            except crypto.KeyringError as exc:
                raise CommandError(str(exc)) from exc
            return
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError(_("--limit must be at least 1."))
        keyring = crypto.current_keyring()
        self.stdout.write(
            _("Active key: %(active)s (keyring: %(ids)s)")
            % {"active": keyring.active_id, "ids": ", ".join(keyring.key_ids)}
        )
        if options["check"]:
            self._check(keyring)
        else:
            self._rotate(
                keyring, batch_size=options["batch_size"], limit=options["limit"], verbosity=options["verbosity"]
            )

    # --- rotate ---------------------------------------------------------------------------------

    def _rotate(self, keyring: crypto.Keyring, *, batch_size: int, limit: int | None, verbosity: int) -> None:
        done = 0
        unreadable: list[str] = []
        stopped = False
        progress = self._progress(verbosity)
        for model, model_field in encrypted_fields():
            remaining = None if limit is None else limit - done
            if remaining is not None and remaining <= 0:
                stopped = True
                break
            label = f"{model._meta.label}.{model_field.name}"
            with self._database_errors(label):
                result = reencrypt_field(
                    model, model_field.name, keyring=keyring, batch_size=batch_size, limit=remaining, on_batch=progress
                )
            self._report(result, verbosity=verbosity)
            done += result.done
            unreadable += [f"{result.label} #{pk}: {reason}" for pk, reason in result.unreadable]
            stopped = stopped or result.stopped_at_limit
        self.stdout.write(
            ngettext("%(count)d value re-encrypted.", "%(count)d values re-encrypted.", done) % {"count": done}
        )
        history = _history()
        if history is not None and not stopped:
            # Last: every column re-encrypted above left a copy of its row under the old key.
            row_change, tables = history
            in_history = 0
            for table, columns in tables.items():
                remaining = None if limit is None else limit - done - in_history
                if remaining is not None and remaining <= 0:
                    stopped = True
                    break
                with self._database_errors(history_label(row_change, table)):
                    result = reencrypt_copies(
                        row_change,
                        table,
                        columns,
                        keyring=keyring,
                        batch_size=batch_size,
                        limit=remaining,
                        on_batch=progress,
                    )
                self._report(result, verbosity=verbosity)
                in_history += result.done
                unreadable += [f"{result.label} #{pk}: {reason}" for pk, reason in result.unreadable]
                stopped = stopped or result.stopped_at_limit
            self.stdout.write(
                ngettext(
                    "%(count)d value re-encrypted in the change history.",
                    "%(count)d values re-encrypted in the change history.",
                    in_history,
                )
                % {"count": in_history}
            )
        if stopped:
            self.stdout.write(
                self.style.WARNING(
                    _("Stopped at the limit of %(limit)d values: run the command again to go on.") % {"limit": limit}
                )
            )
        self._fail_on(unreadable)
        if not stopped:
            self.stdout.write(
                self.style.SUCCESS(_("Every encrypted value is under the key %(key)s.") % {"key": keyring.active_id})
            )

    def _progress(self, verbosity: int) -> Callable[[Reencryption], None]:
        def progress(result: Reencryption) -> None:
            if verbosity >= 2:
                self.stdout.write(
                    ngettext(
                        "  %(label)s: batch %(batch)d committed, %(done)d value so far",
                        "  %(label)s: batch %(batch)d committed, %(done)d values so far",
                        result.done,
                    )
                    % {"label": result.label, "batch": result.batches, "done": result.done}
                )

        return progress

    @contextmanager
    def _database_errors(self, label: str) -> Iterator[None]:
        try:
            yield
        except DatabaseError as exc:
            raise CommandError(
                _(
                    "Stopped by a database error on %(label)s: %(error)s. The batch in progress was rolled "
                    "back; every value still opens with the keyring. Run the command again to finish."
                )
                % {"label": label, "error": exc}
            ) from exc

    def _report(self, result: Reencryption, *, verbosity: int) -> None:
        if not result.done and not result.unreadable:
            if verbosity >= 2:
                self.stdout.write(_("%(label)s: nothing to do") % {"label": result.label})
            return
        keys = ", ".join(f"{kid}: {count}" for kid, count in sorted(result.from_keys.items()))
        line = _("%(label)s: %(count)d re-encrypted") % {"label": result.label, "count": result.resealed}
        if keys:
            line += f" ({keys})"
        if result.sealed_plaintext:
            line += _(", %(count)d found unencrypted and encrypted") % {"count": result.sealed_plaintext}
        if result.unreadable:
            line += _(", %(count)d cannot be decrypted") % {"count": len(result.unreadable)}
        self.stdout.write(line)

    # --- check ----------------------------------------------------------------------------------

    def _check(self, keyring: crypto.Keyring) -> None:
        unreadable: list[str] = []
        elsewhere = 0
        for model, model_field in encrypted_fields():
            counts, bad = count_by_key(model, model_field.name, keyring=keyring)
            label = f"{model._meta.label}.{model_field.name}"
            described = ", ".join(f"{kid or _('unencrypted')}: {n}" for kid, n in sorted(counts.items()))
            self.stdout.write(f"{label}: {described or _('no values')}")
            elsewhere += sum(n for kid, n in counts.items() if kid != keyring.active_id)
            unreadable += [f"{label} #{pk}: {reason}" for pk, reason in bad]
        history = _history()
        if history is not None:
            row_change, tables = history
            found = False
            for table, columns in tables.items():
                counts, bad = count_copies_by_key(row_change, table, columns, keyring=keyring)
                if not counts and not bad:
                    continue
                found = True
                label = history_label(row_change, table)
                described = ", ".join(f"{kid or _('unencrypted')}: {n}" for kid, n in sorted(counts.items()))
                self.stdout.write(f"{label}: {described}")
                elsewhere += sum(n for kid, n in counts.items() if kid != keyring.active_id)
                unreadable += [f"{label} #{pk}: {reason}" for pk, reason in bad]
            if not found:
                self.stdout.write(_("%(label)s: no values") % {"label": f"{row_change._meta.label}.old_row"})
        self._fail_on(unreadable)
        if elsewhere:
            raise CommandError(
                ngettext(
                    "%(count)d value is not under the active key yet: run rotate_keys.",
                    "%(count)d values are not under the active key yet: run rotate_keys.",
                    elsewhere,
                )
                % {"count": elsewhere}
            )
        self.stdout.write(
            self.style.SUCCESS(_("Every encrypted value is under the key %(key)s.") % {"key": keyring.active_id})
        )

    def _fail_on(self, unreadable: list[str]) -> None:
        if not unreadable:
            return
        for line in unreadable:
            self.stderr.write(line)
        raise CommandError(
            ngettext(
                "%(count)d value cannot be decrypted with the keyring (listed above); it was left as it is.",
                "%(count)d values cannot be decrypted with the keyring (listed above); they were left as they are.",
                len(unreadable),
            )
            % {"count": len(unreadable)}
        )
