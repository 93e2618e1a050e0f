"""Household pages: members, ISEE declarations; the person's consents."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
