"""Error pages and small technical views; no domain code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors may run here: they could be what failed.
    return render(request, "errors/500.html", status=500, using=None)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for a load balancer: says nothing about data."""
    return JsonResponse({"status": "ok"})
