"""Person pages: search, registration, detail, edit."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
