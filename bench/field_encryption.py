"""B-R12: what field encryption (AES-256-GCM, SECURITY.md R12) costs.

1. ``crypto.encrypt`` / ``crypto.decrypt`` of 10,000 note-sized values (300 characters);
2. the case page's notes query on a case with many notes, read through the encrypted field
   (decrypting every note) against the same rows read as stored (no decryption), in the same run;
3. ``rotate_keys`` over those notes under a new key.

    .venv/bin/python bench/field_encryption.py                 # SQLite in a temp dir
    .venv/bin/python bench/field_encryption.py --notes 500 --values 20000

Figures are printed last as ``name: value`` lines.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _configure() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("DATABASE_URL", None)
    scratch = tempfile.mkdtemp(prefix="intreccio-bench-")
    os.environ["INTRECCIO_DATA_DIR"] = scratch
    return scratch


SCRATCH = _configure()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import models  # noqa: E402
from django.db.models.functions import Cast  # noqa: E402
from django.test import override_settings  # noqa: E402

from intreccio.accounts.models import Operator, Organisation, OrganisationKind, Structure  # noqa: E402
from intreccio.cases.models import Case, CaseNote, Section  # noqa: E402
from intreccio.core import crypto  # noqa: E402
from intreccio.people.models import NoFiscalCodeReason, Person  # noqa: E402
from intreccio.territory.models import Ambito  # noqa: E402

TEXT = (
    "Colloquio con la signora: riferisce episodi ripetuti di violenza da parte del compagno, "
    "ha paura per i figli; concordato l'accompagnamento al centro antiviolenza e una verifica "
    "con il consultorio. Prossimo contatto tra una settimana, solo sul numero sicuro indicato. "
)[:300]


def _timed(function: Callable[[], object], *, repeat: int) -> float:
    """Median seconds of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _case_with_notes(count: int) -> Case:
    ambito = Ambito.objects.create(code="BENCH", name="Ambito di prova", region="Lombardia")
    organisation = Organisation.objects.create(name="Comune di prova", kind=OrganisationKind.COMUNE, ambito=ambito)
    structure = Structure.objects.create(organisation=organisation, name="Servizio sociale")
    operator = Operator.objects.create(username="bench")
    person = Person.objects.create(
        first_name="Maria",
        last_name="Bianchi",
        no_fiscal_code_reason=NoFiscalCodeReason.UNKNOWN,
        registered_by=organisation,
        created_by=operator,
    )
    today = datetime.date.today()
    case = Case.objects.create(
        ambito=ambito,
        person=person,
        prevalent_need="violence",
        case_manager=operator,
        case_manager_structure=structure,
        accessed_on=today,
        taken_in_charge_on=today,
    )
    CaseNote.objects.bulk_create(
        [
            CaseNote(
                case=case, section=Section.VIOLENCE, text=f"{index} {TEXT}", author=operator, author_structure=structure
            )
            for index in range(count)
        ]
    )
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", type=int, default=10_000, help="values to encrypt and decrypt")
    parser.add_argument("--notes", type=int, default=200, help="notes on the benchmark case")
    parser.add_argument("--repeat", type=int, default=30, help="runs of each query (median)")
    args = parser.parse_args()

    print(f"==> scratch database in {SCRATCH}")
    call_command("migrate", verbosity=0)

    texts = [f"{index} {TEXT}" for index in range(args.values)]
    ring = crypto.current_keyring()
    start = time.perf_counter()
    tokens = [crypto.encrypt(text, context="cases.casenote.text", keyring=ring) for text in texts]
    encrypt_s = time.perf_counter() - start
    start = time.perf_counter()
    opened = [crypto.decrypt(token, context="cases.casenote.text", keyring=ring) for token in tokens]
    decrypt_s = time.perf_counter() - start
    assert opened == texts
    growth = statistics.mean(len(t) for t in tokens) / statistics.mean(len(t) for t in texts)

    case = _case_with_notes(args.notes)
    notes = case.notes.filter(section=Section.VIOLENCE).select_related("author", "author_structure")

    def read_decrypted() -> None:
        assert len(list(notes.all())) == args.notes

    def read_stored() -> None:
        # The same query and rows, the text read as stored: what the page cost before R12.
        rows = list(notes.annotate(stored=Cast("text", output_field=models.TextField())).defer("text"))
        assert len(rows) == args.notes

    decrypted_s = _timed(read_decrypted, repeat=args.repeat)
    stored_s = _timed(read_stored, repeat=args.repeat)

    new_key = "bench2:" + base64.b64encode(os.urandom(32)).decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        start = time.perf_counter()
        call_command("rotate_keys", stdout=io.StringIO())
        rotate_s = time.perf_counter() - start

    print(f"encrypt_per_value_us: {encrypt_s / args.values * 1e6:.1f}")
    print(f"decrypt_per_value_us: {decrypt_s / args.values * 1e6:.1f}")
    print(f"encrypt_{args.values}_values_ms: {encrypt_s * 1000:.1f}")
    print(f"decrypt_{args.values}_values_ms: {decrypt_s * 1000:.1f}")
    print(f"stored_size_ratio: {growth:.2f}")
    print(f"case_notes_query_{args.notes}_decrypted_ms: {decrypted_s * 1000:.2f}")
    print(f"case_notes_query_{args.notes}_as_stored_ms: {stored_s * 1000:.2f}")
    print(f"case_notes_decryption_overhead_ms: {(decrypted_s - stored_s) * 1000:.2f}")
    print(f"rotate_keys_{args.notes}_notes_s: {rotate_s:.2f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
