"""When the audit trail cannot be written, sensitive reads fail with 503 (SECURITY.md F5)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from intreccio.audit.services import AuditError

logger = logging.getLogger(__name__)


class AuditUnavailableMiddleware:
    """Turns an ``AuditError`` into "service unavailable": a read that cannot be recorded is not served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AuditError):
            return None
        logger.error("audit trail unavailable, request %s refused: %s", getattr(request, "request_id", "-"), exception)
        response = HttpResponse(render_to_string("errors/503.html", request=request), status=503)
        response["Retry-After"] = "60"
        return response
