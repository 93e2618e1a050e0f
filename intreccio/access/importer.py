"""Import of a national measure's beneficiary list (CSV, as INPS or the Ministry send it to the ambito).

Each valid row links the applicant to the registry (found by codice fiscale, or registered
through ``person_create`` with its duplicate check), ensures their household, records the
income measure and opens an intake at the importing structure through the access services,
so the events and rules of a hand-written intake apply.

Two passes over a stream, so memory stays flat in the size of the file: ``beneficiaries_validate``
reads every row and reports every problem (row, column, what is wrong); ``beneficiaries_import``
validates again (the registry may have changed meanwhile) and, only when no row is wrong,
writes everything in one transaction: a failure at any row leaves nothing behind. Rows already
imported (same codice fiscale and INPS protocol) are skipped, so re-running a file, or running
it again after a crash, creates nothing twice.

Forwarding an intake to the coordination group needs a completed pre-assessment
(``intake_forward``), which a list from INPS cannot provide: the intakes are left open, listed
for the front desk to complete and forward.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intreccio.access.models import Channel, Intake, Need, Source, Urgency
from intreccio.access.permissions import is_coordination_member
from intreccio.access.services import intake_create
from intreccio.accounts.models import Membership, Operator, Role
from intreccio.audit.services import record_event
from intreccio.core import fiscal_code
from intreccio.core.dates import parse_day_first
from intreccio.people.models import HouseholdMember, IncomeMeasure, IncomeSupport, IncomeSupportStatus, Person
from intreccio.people.search import normalise_name
from intreccio.people.services.households import household_create_with_reference
from intreccio.people.services.measures import PROTOCOL_MAX, income_support_record
from intreccio.people.services.persons import person_create, person_find_duplicates
from intreccio.territory.models import Comune

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_CELL_CHARS = 1000
MAX_COLUMNS = 50
# Every error is counted; the first ones are kept to show (a wrong file is fixed and sent again).
MAX_ERRORS_KEPT = 500
MAX_HOUSEHOLD_SIZE = 30
SNIFF_BYTES = 64 * 1024
CHUNK_ROWS = 500
# The Unicode replacement character: what NUL bytes and undecodable bytes become.
BAD_CHAR = "\ufffd"

# Columns: the key used in code, the label shown (the Italian header) and the headers accepted.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "fiscal_code": ("codice_fiscale", ("codice_fiscale", "codicefiscale", "cf", "codice_fiscale_richiedente")),
    "last_name": ("cognome", ("cognome", "cognome_richiedente")),
    "first_name": ("nome", ("nome", "nome_richiedente")),
    "birth_date": ("data_nascita", ("data_nascita", "data_di_nascita", "nascita")),
    "comune": ("comune", ("comune", "comune_residenza", "comune_di_residenza", "codice_istat", "istat")),
    "measure": ("misura", ("misura", "prestazione")),
    "protocol": ("protocollo", ("protocollo", "protocollo_inps", "numero_protocollo", "n_protocollo")),
    "household_size": ("componenti", ("componenti", "numero_componenti", "componenti_nucleo", "nucleo")),
    "phone": ("telefono", ("telefono", "cellulare", "recapito_telefonico")),
    "date_from": ("decorrenza", ("decorrenza", "data_decorrenza")),
}
REQUIRED = ("fiscal_code", "last_name", "first_name", "birth_date", "comune", "measure", "protocol", "household_size")
_HEADER_TO_KEY = {header: key for key, (_label, headers) in COLUMNS.items() for header in headers}

MEASURE_NAMES = {
    "sia": IncomeMeasure.SIA,
    "sostegnoperlinclusioneattiva": IncomeMeasure.SIA,
    "rei": IncomeMeasure.REI,
    "redditodiinclusione": IncomeMeasure.REI,
    "rdc": IncomeMeasure.RDC,
    "redditodicittadinanza": IncomeMeasure.RDC,
    "adi": IncomeMeasure.ADI,
    "assegnodiinclusione": IncomeMeasure.ADI,
    "sfl": IncomeMeasure.SFL,
    "supportoformazionelavoro": IncomeMeasure.SFL,
    "supportoperlaformazioneeillavoro": IncomeMeasure.SFL,
}
MEASURE_LABELS = {
    IncomeMeasure.SIA: "SIA",
    IncomeMeasure.REI: "ReI",
    IncomeMeasure.RDC: "RdC",
    IncomeMeasure.ADI: "ADI",
    IncomeMeasure.SFL: "SFL",
}
_PROTOCOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]*$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,40}$")
# Signatures of files that are not text, whatever their name says.
_MAGIC = (
    (b"PK\x03\x04", gettext_lazy("a spreadsheet or a zip archive: save it as CSV first")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("an old Excel or Word file: save it as CSV first")),
    (b"%PDF", gettext_lazy("a PDF document")),
    (b"\x89PNG", gettext_lazy("an image")),
    (b"\xff\xd8\xff", gettext_lazy("an image")),
    (b"GIF8", gettext_lazy("an image")),
    (b"\x1f\x8b", gettext_lazy("a compressed archive")),
    (b"MZ", gettext_lazy("a program")),
    (b"\x7fELF", gettext_lazy("a program")),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional overrides and invisible marks: shown back, they would reorder or hide text.
_UNSAFE_DISPLAY = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing in it is looked at further."""


def neutralise(value: str, *, limit: int = 100) -> str:
    """A value from the file made safe to show or export: no control or bidi characters, no
    formula a spreadsheet would run (``=``, ``+``, ``-``, ``@`` get a leading apostrophe)."""
    text = _UNSAFE_DISPLAY.sub("", value)
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text


def can_import_beneficiaries(request: HttpRequest) -> bool:
    """The segretariato, and coordinators sitting in a coordination group of the ambito."""
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        return False
    if membership.role == Role.SEGRETARIATO:
        return True
    return membership.role == Role.COORDINATOR and is_coordination_member(request)


# --- reading the file ----------------------------------------------------------------------------


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4:
        # ASCII text in UTF-16 without a BOM: every other byte is zero.
        odd_zeros = sample[1::2].count(0) / max(1, len(sample[1::2]))
        even_zeros = sample[0::2].count(0) / max(1, len(sample[0::2]))
        if odd_zeros > 0.4 and even_zeros < 0.05:
            return "utf-16-le"
        if even_zeros > 0.4 and odd_zeros < 0.05:
            return "utf-16-be"
    return "utf-8"


def _is_utf8(stream: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(SNIFF_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def _delimiter(first_line: str) -> str:
    # The header has no quoted separators in practice; count outside quotes anyway.
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _text_stream(stream: IO[bytes]) -> io.TextIOWrapper:
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if not head:
        raise ImportFileError(_("The file is empty."))
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise ImportFileError(_("This is not a CSV file but %(what)s.") % {"what": what})
    encoding = _encoding(head)
    if encoding == "utf-8" and not _is_utf8(stream):
        # Excel on Windows saves "CSV" in the Western European code page.
        encoding = "cp1252"
    text = head.decode(encoding, errors="replace")
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 100):
        raise ImportFileError(_("This file is not text: it looks like a binary file renamed as .csv."))
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")


def _header_key(cell: str) -> str:
    decomposed = unicodedata.normalize("NFKD", cell.strip().lower())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    # What the operator uploaded in the codice fiscale cell of that row, neutralised.
    fiscal_code: str = ""


@dataclass
class Row:
    number: int
    fiscal_code: str
    last_name: str
    first_name: str
    birth_date: datetime.date
    comune: int
    measure: str
    protocol: str
    household_size: int
    phone: str
    date_from: datetime.date | None
    person_id: int | None = None
    already_imported: bool = False
    refused: bool = False


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    new_persons: int = 0
    already_imported: int = 0
    errors_total: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    imported: bool = False
    intake_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_error and self.errors_total == 0 and self.rows > 0

    @property
    def to_import(self) -> int:
        return self.valid - self.already_imported

    def add(self, error: RowError) -> None:
        self.errors_total += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "errors"}
        data["errors"] = [e.__dict__ for e in self.errors]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        values = dict(data)
        values["errors"] = [RowError(**e) for e in data.get("errors", [])]
        return cls(**values)


def _label(key: str) -> str:
    return COLUMNS[key][0]


class _Reader:
    """The rows of the file as dicts keyed by column, with the header checked first."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.text = _text_stream(stream)
        try:
            self._read_header()
        except ImportFileError:
            self.close()
            raise

    def close(self) -> None:
        # Detached, not closed: the caller's stream is read again for the second pass.
        self.text.detach()

    def _read_header(self) -> None:
        first = self.text.readline()
        self.text.seek(0)
        self.reader = csv.reader(self.text, delimiter=_delimiter(first), strict=False)
        try:
            header = next(self.reader, None)
        except csv.Error as exc:
            raise ImportFileError(_("The header row cannot be read: check the file is a CSV.")) from exc
        if not header or not any(cell.strip() for cell in header):
            raise ImportFileError(_("The file has no header row: the first row must name the columns."))
        if len(header) > MAX_COLUMNS:
            raise ImportFileError(
                _("The file has %(count)s columns; a beneficiary list has at most %(max)s: check it is the right file.")
                % {"count": f"{len(header):,}".replace(",", "."), "max": MAX_COLUMNS}
            )
        self.positions: dict[str, int] = {}
        for position, cell in enumerate(header):
            key = _HEADER_TO_KEY.get(_header_key(cell))
            if key is None:
                continue
            if key in self.positions:
                raise ImportFileError(
                    _("The column %(column)s appears twice in the header: keep one.") % {"column": _label(key)}
                )
            self.positions[key] = position
        missing = [_label(key) for key in REQUIRED if key not in self.positions]
        if missing:
            if any(fiscal_code.normalise(cell) and len(fiscal_code.normalise(cell)) == 16 for cell in header):
                raise ImportFileError(_("The first row must be the header naming the columns, not data."))
            raise ImportFileError(
                _("These columns are missing from the header: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        self.width = len(header)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        number = 1
        while True:
            try:
                cells = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    _("Row %(row)s cannot be read (a cell is far too long or a quote is not closed).")
                    % {"row": number + 1}
                ) from exc
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            yield number, cells


# --- checking the rows ---------------------------------------------------------------------------


class _Comuni:
    """Comuni by ISTAT code and by name; a name shared by several comuni needs the ambito or the code."""

    def __init__(self, ambito_id: int | None) -> None:
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[tuple[int, int | None]]] = {}
        for pk, code, name, ambito in Comune.objects.values_list("pk", "istat_code", "name", "ambito_id"):
            self.by_code[code] = pk
            self.by_name.setdefault(normalise_name(name), []).append((pk, ambito))
        self.ambito_id = ambito_id

    def find(self, raw: str) -> int | str:
        """The comune's id, or the message saying why it was not found."""
        text = raw.strip()
        if text.isdigit():
            found = self.by_code.get(text.zfill(6))
            return found if found is not None else _("No comune has the ISTAT code %(code)s.") % {"code": text}
        matches = self.by_name.get(normalise_name(text), [])
        if len(matches) > 1:
            local = [pk for pk, ambito in matches if ambito == self.ambito_id]
            if len(local) == 1:
                return local[0]
            return _("Several comuni have this name: write the ISTAT code instead.")
        if not matches:
            return _("No comune has this name: check the spelling or write the ISTAT code.")
        return matches[0][0]


def _cell(cells: list[str], positions: dict[str, int], key: str) -> str:
    position = positions.get(key)
    if position is None or position >= len(cells):
        return ""
    return cells[position].strip()


def _parse_row(number: int, cells: list[str], reader: _Reader, comuni: _Comuni, report: ImportReport) -> Row | None:
    raw = {key: _cell(cells, reader.positions, key) for key in COLUMNS}
    shown_code = neutralise(raw["fiscal_code"], limit=20)
    errors: list[RowError] = []

    def refuse(key: str, message: str) -> None:
        errors.append(RowError(number, _label(key), message, shown_code))

    if len(cells) > reader.width:
        errors.append(
            RowError(number, "", _("The row has more cells than the header: check the separators."), shown_code)
        )
    for key, value in raw.items():
        if len(value) > MAX_CELL_CHARS:
            refuse(key, _("The cell is too long (over %(max)s characters).") % {"max": MAX_CELL_CHARS})
            raw[key] = ""
        elif BAD_CHAR in value or "\x00" in value:
            refuse(key, _("The cell contains a NUL or an unreadable character: check the file's encoding."))
            raw[key] = ""
    for key in REQUIRED:
        if not raw[key] and not any(e.column == _label(key) for e in errors):
            refuse(key, _("The cell is empty."))
    code = ""
    data = None
    if raw["fiscal_code"]:
        try:
            data = fiscal_code.parse(raw["fiscal_code"])
            code = data.code
        except ValidationError as exc:
            refuse("fiscal_code", exc.messages[0])
    birth_date = None
    if raw["birth_date"]:
        try:
            birth_date = parse_day_first(raw["birth_date"])
        except ValidationError as exc:
            refuse("birth_date", exc.messages[0])
        else:
            if birth_date > timezone.localdate():
                refuse("birth_date", _("The date of birth is in the future."))
    if data is not None and birth_date is not None:
        for field_name, message in fiscal_code.mismatches(data, birth_date=birth_date).items():
            refuse("birth_date" if field_name == "birth_date" else "fiscal_code", message)
    for key in ("last_name", "first_name"):
        if len(raw[key]) > 100:
            refuse(key, _("Write at most %(n)s characters.") % {"n": 100})
    comune: int | str = ""
    if raw["comune"]:
        comune = comuni.find(raw["comune"])
        if isinstance(comune, str):
            refuse("comune", comune)
    measure = MEASURE_NAMES.get(re.sub(r"[^a-z]", "", raw["measure"].lower()), "")
    if raw["measure"] and not measure:
        refuse("measure", _("Unknown measure: write SIA, ReI, RdC, ADI or SFL."))
    if raw["protocol"] and (len(raw["protocol"]) > PROTOCOL_MAX or not _PROTOCOL.match(raw["protocol"])):
        refuse(
            "protocol",
            _("The protocol may have at most %(n)s letters, digits and / . _ -.") % {"n": PROTOCOL_MAX},
        )
    size = 0
    if raw["household_size"]:
        size = int(raw["household_size"]) if raw["household_size"].isdigit() else 0
        if not 1 <= size <= MAX_HOUSEHOLD_SIZE:
            refuse("household_size", _("Write the number of members, from 1 to %(n)s.") % {"n": MAX_HOUSEHOLD_SIZE})
    if raw["phone"] and not _PHONE.match(raw["phone"]):
        refuse("phone", _("This is not a phone number: digits, spaces and a leading + only."))
    date_from = None
    if raw["date_from"]:
        try:
            date_from = parse_day_first(raw["date_from"], oldest_year=2016)
        except ValidationError as exc:
            refuse("date_from", exc.messages[0])
    for error in errors:
        report.add(error)
    if errors or birth_date is None or not isinstance(comune, int):
        return None
    return Row(
        number=number,
        fiscal_code=code,
        last_name=raw["last_name"],
        first_name=raw["first_name"],
        birth_date=birth_date,
        comune=comune,
        measure=measure,
        protocol=raw["protocol"],
        household_size=size,
        phone=raw["phone"],
        date_from=date_from,
    )


def _check_against_registry(rows: list[Row], report: ImportReport) -> None:
    """What the registry says of a chunk of rows: known persons, rows already imported, duplicates."""
    persons = dict(
        Person.objects.filter(fiscal_code__in=[r.fiscal_code for r in rows]).values_list("fiscal_code", "pk")
    )
    households = dict(
        HouseholdMember.objects.filter(person_id__in=persons.values(), date_out__isnull=True).values_list(
            "person_id", "household_id"
        )
    )
    imported = set(
        IncomeSupport.objects.filter(inps_protocol__in=[r.protocol for r in rows]).values_list(
            "household_id", "measure", "inps_protocol"
        )
    )
    imported_protocols = {(measure, protocol): household for household, measure, protocol in imported}
    for row in rows:
        row.person_id = persons.get(row.fiscal_code)
        household = households.get(row.person_id) if row.person_id else None
        owner = imported_protocols.get((row.measure, row.protocol))
        if owner is not None and owner == household:
            row.already_imported = True
            report.already_imported += 1
        elif owner is not None:
            report.add(
                RowError(
                    row.number,
                    _label("protocol"),
                    _("This protocol is already recorded for another household: check the number."),
                    neutralise(row.fiscal_code),
                )
            )
            row.refused = True
            continue
        elif row.person_id is None:
            if person_find_duplicates(
                fiscal_code_value=row.fiscal_code,
                first_name=row.first_name,
                last_name=row.last_name,
                birth_date=row.birth_date,
            ):
                report.add(
                    RowError(
                        row.number,
                        _label("fiscal_code"),
                        _(
                            "Probably already registered (a variant of this codice fiscale, or a similar name "
                            "with the same date of birth): link the person by hand, then import again."
                        ),
                        neutralise(row.fiscal_code),
                    )
                )
                row.refused = True
                continue
            report.new_persons += 1
        report.valid += 1


def _rows(stream: IO[bytes], *, ambito_id: int | None, report: ImportReport) -> Iterator[Row]:
    """The valid rows of the file, chunk by chunk; every problem found goes into ``report``."""
    reader = _Reader(stream)
    comuni = _Comuni(ambito_id)
    seen: dict[str, int] = {}
    chunk: list[Row] = []
    try:
        for number, cells in reader:
            report.rows += 1
            row = _parse_row(number, cells, reader, comuni, report)
            if row is None:
                continue
            first = seen.setdefault(row.fiscal_code, number)
            if first != number:
                report.add(
                    RowError(
                        number,
                        _label("fiscal_code"),
                        _("Same codice fiscale as row %(row)s: one row per household.") % {"row": first},
                        neutralise(row.fiscal_code),
                    )
                )
                continue
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                _check_against_registry(chunk, report)
                yield from (r for r in chunk if not r.refused)
                chunk = []
        if chunk:
            _check_against_registry(chunk, report)
            yield from (r for r in chunk if not r.refused)
    finally:
        reader.close()


def beneficiaries_validate(stream: IO[bytes], *, membership: Membership) -> ImportReport:
    """Read the whole file and report every problem; nothing is written."""
    report = ImportReport()
    try:
        for _row in _rows(stream, ambito_id=membership.structure.organisation.ambito_id, report=report):
            pass
    except ImportFileError as exc:
        report.file_error = str(exc)
    if not report.file_error and report.rows == 0:
        report.file_error = _("The file has a header but no rows.")
    return report


# --- importing -----------------------------------------------------------------------------------


class _Abort(Exception):
    """A row refused while writing: the transaction is rolled back and the row reported."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _import_row(*, row: Row, actor: Operator, membership: Membership, today: datetime.date) -> Intake:
    organisation = membership.structure.organisation
    # Only the key is needed: the row's comune was found when the file was checked.
    comune = Comune(pk=row.comune)
    if row.person_id is not None:
        person = Person.objects.get(pk=row.person_id)
    else:
        values = {
            "first_name": row.first_name,
            "last_name": row.last_name,
            "fiscal_code": row.fiscal_code,
            "birth_date": row.birth_date,
            "residence_comune": comune,
            "phone": row.phone,
        }
        person = person_create(actor=actor, organisation=organisation, values=values)
    member = HouseholdMember.objects.filter(person=person, date_out__isnull=True).select_related("household").first()
    if member is not None:
        household = member.household
    else:
        household = household_create_with_reference(
            actor=actor, organisation=organisation, person=person, date_in=today, name=person.last_name, comune=comune
        )
    income_support_record(
        actor=actor,
        household=household,
        measure=row.measure,
        status=IncomeSupportStatus.GRANTED,
        date_from=row.date_from or today,
        inps_protocol=row.protocol,
    )
    label = MEASURE_LABELS[IncomeMeasure(row.measure)]
    note = f"Beneficiario {label} — importato da elenco. Componenti del nucleo secondo l'elenco: {row.household_size}."
    return intake_create(
        actor=actor,
        membership=membership,
        person=person,
        values={
            "received_on": today,
            "channel": Channel.OTHER,
            "source": Source.OTHER_SERVICE,
            "source_detail": f"INPS – elenco beneficiari {label}",
            "prevalent_need": Need.POVERTY,
            "urgency": Urgency.ORDINARY,
            "notes": note,
        },
    )


def _first_message(error: ValidationError) -> tuple[str, str]:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            return name, errors[0].messages[0]
    if getattr(error, "code", "") == "possible_duplicate":
        return "fiscal_code", _("Probably already registered: link the person by hand, then import again.")
    return "", error.messages[0]


def beneficiaries_import(
    stream: IO[bytes], *, actor: Operator, membership: Membership, request: HttpRequest | None = None
) -> ImportReport:
    """Validate the file and, when every row is right, import it all in one transaction.

    A problem found while writing (a person registered by someone else meanwhile…) rolls the
    whole import back and comes back as the error of that row.
    """
    report = beneficiaries_validate(stream, membership=membership)
    if not report.ok:
        return report
    stream.seek(0)
    today = timezone.localdate()
    written = ImportReport()
    try:
        with transaction.atomic():
            for row in _rows(stream, ambito_id=membership.structure.organisation.ambito_id, report=written):
                if row.already_imported:
                    continue
                try:
                    intake = _import_row(row=row, actor=actor, membership=membership, today=today)
                except ValidationError as exc:
                    column, message = _first_message(exc)
                    label = COLUMNS[column][0] if column in COLUMNS else ""
                    raise _Abort(RowError(row.number, label, message, neutralise(row.fiscal_code))) from exc
                written.intake_ids.append(intake.pk)
            if written.errors:
                # The registry changed between the two readings (someone registered a person).
                raise _Abort(written.errors[0])
            record_event(
                action="access.beneficiary_import.completed",
                actor=actor,
                payload={"rows": report.rows, "intakes": len(written.intake_ids), "skipped": report.already_imported},
                request=request,
            )
    except _Abort as aborted:
        report.add(aborted.error)
        return report
    report.imported = True
    report.intake_ids = written.intake_ids
    return report
