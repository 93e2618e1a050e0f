"""Error pages and small technical views; no domain code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: no context processor may run, they could be what failed.
    return HttpResponse(render_to_string("errors/500.html"), status=500)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for a load balancer: says nothing about data."""
    return JsonResponse({"status": "ok"})
