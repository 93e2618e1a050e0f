"""Forms of the retention pages: placing and lifting a legal hold."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm
from intreccio.retention.services import REASON_MIN_LENGTH


class HoldPlaceForm(StyledForm):
    TARGETS = [("case", _("A case, by its number")), ("person", _("A person, by codice fiscale"))]

    target = forms.ChoiceField(label=_("What to hold"), choices=TARGETS, widget=forms.RadioSelect, initial="case")
    reference = forms.CharField(
        label=_("Case number or codice fiscale"),
        max_length=32,
        help_text=_("e.g. CRE-2025-000012, or the person's 16-character codice fiscale."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        min_length=REASON_MIN_LENGTH,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The proceeding that needs the data kept, e.g. “Ricorso TAR n. 1234/2025”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].widget.attrs["class"] = "form-check-input"


class HoldLiftForm(StyledForm):
    reason = forms.CharField(
        label=_("Why the hold ends"),
        min_length=REASON_MIN_LENGTH,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. “Judgment final on 12/05/2026”: from the next run the schedule applies again."),
    )
