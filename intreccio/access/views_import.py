"""Pages of the beneficiary-list import: upload, review (the per-row report), confirm, report as CSV.

The uploaded file waits for the operator's confirmation outside the web root, under a random
token, with its owner, its SHA-256 and the report beside it; only the operator who uploaded it
can review, confirm or download it (anyone else gets 404). The file is deleted once imported,
and any upload older than a day when the next one arrives.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from intreccio.access.importer import (
    MAX_UPLOAD_BYTES,
    ImportReport,
    beneficiaries_import,
    beneficiaries_validate,
    can_import_beneficiaries,
    neutralise,
)
from intreccio.access.models import Intake
from intreccio.accounts.forms import StyledForm
from intreccio.accounts.models import Membership, Operator
from intreccio.audit.services import record_access, record_access_many

KEEP_SECONDS = 24 * 3600
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
ERRORS_SHOWN = 200


class UploadForm(StyledForm):
    file = forms.FileField(
        label=gettext_lazy("Beneficiary list (CSV)"),
        help_text=gettext_lazy(
            "Columns: codice_fiscale, cognome, nome, data_nascita, comune (name or ISTAT code), misura, "
            "protocollo, componenti; optional: telefono, decorrenza. Separated by ; or , — at most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most 5 MB can be imported at once: split the list.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")}
            )
        return upload


# --- the waiting room of uploaded files ----------------------------------------------------------


def _directory() -> Path:
    configured = getattr(settings, "INTRECCIO_IMPORT_DIR", None)
    directory = Path(configured) if configured else Path(settings.DATA_DIR) / "imports"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _paths(token: str) -> tuple[Path, Path]:
    directory = _directory()
    return directory / f"{token}.csv", directory / f"{token}.json"


def _purge_old() -> None:
    limit = time.time() - KEEP_SECONDS
    for entry in _directory().iterdir():
        if entry.suffix in (".csv", ".json") and entry.stat().st_mtime < limit:
            entry.unlink(missing_ok=True)


def _save(upload: UploadedFile, *, operator: Operator, name: str) -> str:
    _purge_old()
    token = secrets.token_urlsafe(24)
    data_path, _meta = _paths(token)
    digest = hashlib.sha256()
    size = 0
    # Created for the owner only: the list is personal data of every household in it.
    descriptor = os.open(data_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                break
            digest.update(chunk)
            out.write(chunk)
    _write_meta(token, {"operator": operator.pk, "name": name, "sha256": digest.hexdigest(), "created": time.time()})
    return token


def _write_meta(token: str, meta: dict[str, Any]) -> None:
    _data, meta_path = _paths(token)
    descriptor = os.open(meta_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(meta, out)


def _load(request: HttpRequest, token: str) -> dict[str, Any]:
    """The upload's metadata if it is the operator's own; 404 otherwise (existence never leaks)."""
    if not can_import_beneficiaries(request) or not token or not set(token) <= _TOKEN_CHARS:
        raise Http404
    _data, meta_path = _paths(token)
    try:
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    if meta.get("operator") != request.user.pk:
        raise Http404
    return meta


def _actor(request: HttpRequest) -> Operator:
    user: Operator = request.user  # type: ignore[assignment]
    return user


def _membership(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


# --- pages ---------------------------------------------------------------------------------------


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    if not can_import_beneficiaries(request):
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload: UploadedFile = form.cleaned_data["file"]
        token = _save(upload, operator=_actor(request), name=neutralise(upload.name or "", limit=80))
        data_path, _meta = _paths(token)
        with data_path.open("rb") as stream:
            report = beneficiaries_validate(stream, membership=_membership(request))
        meta = _load(request, token)
        meta["report"] = report.as_dict()
        _write_meta(token, meta)
        return HttpResponseRedirect(reverse("access:import_review", args=[token]))
    return render(request, "access/import_upload.html", {"form": form})


@login_required
@require_GET
def import_review(request: HttpRequest, token: str) -> HttpResponse:
    meta = _load(request, token)
    report = ImportReport.from_dict(meta["report"])
    intakes = (
        list(Intake.objects.filter(pk__in=report.intake_ids).select_related("person").order_by("pk"))
        if report.imported
        else []
    )
    context = {
        "token": token,
        "name": meta["name"],
        "report": report,
        "errors": report.errors[:ERRORS_SHOWN],
        "more_errors": max(0, report.errors_total - ERRORS_SHOWN),
        "intakes": intakes,
    }
    # The report shows codici fiscali as uploaded, and the intakes (persons) an import created.
    record_access(
        actor=_actor(request),
        object_type="access.import_report",
        object_id=token[:64],
        request=request,
        purpose="import review",
    )
    if intakes:
        record_access_many(actor=_actor(request), objs=list(intakes), request=request, purpose="import review")
    return render(request, "access/import_review.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    meta = _load(request, token)
    if meta["report"].get("imported"):
        return HttpResponseRedirect(reverse("access:import_review", args=[token]))
    data_path, _meta = _paths(token)
    with data_path.open("rb") as stream:
        if hashlib.sha256(stream.read()).hexdigest() != meta["sha256"]:
            raise Http404
        stream.seek(0)
        report = beneficiaries_import(stream, actor=_actor(request), membership=_membership(request), request=request)
    meta["report"] = report.as_dict()
    _write_meta(token, meta)
    if report.imported:
        data_path.unlink(missing_ok=True)
        messages.success(request, _("%(count)s intakes created from the list.") % {"count": len(report.intake_ids)})
    else:
        messages.error(request, _("Nothing was imported: the file has problems, listed below."))
    return HttpResponseRedirect(reverse("access:import_review", args=[token]))


class _Echo:
    """A file-like object for csv.writer that hands each line back (streamed download)."""

    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def import_report_csv(request: HttpRequest, token: str) -> HttpResponse:
    """The error report for a spreadsheet: values neutralised so no cell runs as a formula."""
    meta = _load(request, token)
    report = ImportReport.from_dict(meta["report"])
    writer = csv.writer(_Echo(), delimiter=";")
    lines = [writer.writerow([_("row"), _("column"), _("codice fiscale as uploaded"), _("problem")])]
    if report.file_error:
        lines.append(writer.writerow(["", "", "", neutralise(report.file_error, limit=500)]))
    for error in report.errors:
        cells = [str(error.row), error.column, neutralise(error.fiscal_code), neutralise(error.message, limit=500)]
        lines.append(writer.writerow(cells))
    # An export of codici fiscali: logged with its columns and row count (R10), or not given at all.
    record_access(
        actor=_actor(request),
        object_type="access.import_report",
        object_id=token[:64],
        request=request,
        purpose=f"export: row,column,fiscal_code,problem; {len(lines) - 1} rows",
    )
    response = HttpResponse("\ufeff" + "".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="errori-importazione.csv"'
    return response


urlpatterns: list[URLPattern] = [
    path("importa-beneficiari/", import_upload, name="import_upload"),
    path("importa-beneficiari/<str:token>/", import_review, name="import_review"),
    path("importa-beneficiari/<str:token>/conferma/", import_confirm, name="import_confirm"),
    path("importa-beneficiari/<str:token>/errori.csv", import_report_csv, name="import_report"),
]
