"""R18 bad uploads on the beneficiary import page: the size limit ± 1 byte, the type read from the
content and never from the name, NUL bytes, path-traversal names, names over 255 characters,
right-to-left overrides in the name, too many files or fields in one request.

The uploaded list waits outside the web root under a random token: whatever the browser says the
file is called, only ``<token>.csv`` and ``<token>.json`` are written, inside the import folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from intreccio.access.importer import MAX_UPLOAD_BYTES
from intreccio.access.tests.test_import_pages import GOOD, HEADER, _client, alice, desk, import_dir
from intreccio.accounts.models import Operator

__all__ = ["alice", "desk", "import_dir"]  # fixtures shared with the import page tests

TOO_BIG = "at most 5 MB"


def _post(client: Client, content: bytes, name: str) -> tuple[int, str]:
    response = client.post(reverse("access:import_upload"), {"file": SimpleUploadedFile(name, content)})
    if response.status_code == 302:
        return 302, client.get(response["Location"]).content.decode()
    return response.status_code, response.content.decode()


def _import_dir() -> Path:
    return Path(getattr(settings, "INTRECCIO_IMPORT_DIR"))  # noqa: B009 (a test-only setting)


def _only_token_files(folder: Path) -> None:
    for entry in folder.iterdir():
        assert entry.suffix in {".csv", ".json"}, entry.name
        assert len(entry.stem) == 32 and entry.stem.replace("-", "").replace("_", "").isalnum(), entry.name


def test_the_size_limit_to_the_byte(alice: Operator) -> None:
    # One huge cell fills the file: refused for its content, after the size check let it in.
    at_limit = (HEADER + "\r\n").encode()
    at_limit += b"x" * (MAX_UPLOAD_BYTES - len(at_limit))
    assert len(at_limit) == MAX_UPLOAD_BYTES
    status, html = _post(_client(alice), at_limit, "limite.csv")
    assert status == 302 and TOO_BIG not in html
    status, html = _post(_client(alice), at_limit + b"x", "limite.csv")
    assert status == 200 and TOO_BIG in html


@pytest.mark.parametrize(
    ("content", "name", "refused"),
    [
        (GOOD, "elenco.pdf", ""),  # a CSV whatever its name says
        (GOOD, "elenco", ""),
        (b"MZ\x90\x00" + b"\x00" * 200, "elenco.csv", "a program"),
        (b"%PDF-1.7\n" + b"x" * 200, "elenco.csv", "a PDF document"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 200, "elenco.csv", "a compressed archive"),
    ],
)
def test_the_type_is_read_from_the_content_not_the_name(alice: Operator, content: bytes, name: str, refused: str):
    status, html = _post(_client(alice), content, name)
    assert status == 302
    if refused:
        assert refused in html and "Confirm the import" not in html
    else:
        assert "The file is right" in html


def test_nul_bytes_in_the_content_are_refused_not_stored(alice: Operator) -> None:
    content = GOOD.replace(b"Bianchi;Anna", b"Bian\x00chi;Anna")
    status, html = _post(_client(alice), content, "elenco.csv")
    assert status == 302 and "NUL" in html and "Confirm the import" not in html


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../../../etc/cron.d/elenco.csv", "elenco.csv"),
        ("..\\..\\..\\windows\\elenco.csv", "elenco.csv"),
        ("/var/lib/intreccio/intreccio.sqlite3", "intreccio.sqlite3"),
        ("elenco\x00.exe", "elenco.exe"),
        ("a" * 300 + ".csv", "a" * 80 + "…"),
        ("elenco\u202evsc.exe", "elencovsc.exe"),  # the override would show "elencoexe.csv"
        ("=cmd.csv", "&#x27;=cmd.csv"),  # a spreadsheet would run it: shown with an apostrophe
    ],
)
def test_whatever_the_name_only_token_files_are_written_and_the_name_is_shown_safely(
    alice: Operator, name: str, shown: str
) -> None:
    client = _client(alice)
    folder = _import_dir()
    status, html = _post(client, GOOD, name)
    assert status == 302 and "The file is right" in html
    _only_token_files(folder)
    assert len(list(folder.iterdir())) == 2
    assert f'<p class="text-muted mb-4">{shown}</p>' in html
    for unsafe in ("..", "\u202e", "\x00", "/etc/", "/var/", "a" * 81):
        assert unsafe not in html, unsafe


def test_too_many_files_or_fields_in_one_request_are_refused(alice: Operator) -> None:
    client = _client(alice)
    files = [SimpleUploadedFile(f"f{n}.csv", GOOD) for n in range(101)]
    assert client.post(reverse("access:import_upload"), {"file": files}).status_code == 400
    fields = {f"field{n}": "x" for n in range(1001)}
    assert client.post(reverse("access:import_upload"), fields).status_code == 400
    _only_token_files(_import_dir())
    assert not list(_import_dir().iterdir())
