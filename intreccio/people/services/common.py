"""Helpers shared by the registry services."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Errors:
    """Collects refusals per field, then raises them together."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def clean_text(value: str | None) -> str:
    return " ".join((value or "").split())
