"""Forms of the emergency-access pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm
from intreccio.accounts.reauth import ReauthenticationMixin
from intreccio.breakglass.models import REASON_TEXT_MIN_LENGTH, ReasonCode, ReviewOutcome
from intreccio.breakglass.permissions import duration_choices
from intreccio.breakglass.services import FISCAL_CODE_RE, normalise_identifier


class GrantRequestForm(ReauthenticationMixin, StyledForm):
    """What the operator asks for, then their password and code (checked by the service)."""

    # breakglass_grant_request re-authenticates after its own checks, outside its transaction.
    reauthenticate_on_clean = False

    identifier = forms.CharField(
        label=_("Case number or codice fiscale of the person"),
        max_length=40,
        help_text=_("The case number as on the case page (e.g. CREMONESE-2026-000123) or the person's codice fiscale."),
        error_messages={"required": _("Type the case number or the person's codice fiscale.")},
    )
    reason_code = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "—"), *ReasonCode.choices],
        error_messages={"required": _("Choose the reason for the emergency access.")},
    )
    reason_text = forms.CharField(
        label=_("What is happening"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the emergency.")},
    )
    hours = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of the durations offered.")},
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        hours: forms.TypedChoiceField = self.fields["hours"]  # type: ignore[assignment]
        hours.choices = [(str(h), ngettext("%(n)s hour", "%(n)s hours", h) % {"n": h}) for h in duration_choices()]
        hours.initial = str(duration_choices()[0])
        # Formatted here, in the language of the request, not once at import.
        self.fields["reason_text"].help_text = gettext(
            "At least %(min)s characters. Say what the emergency is and why the team cannot be reached; "
            "the coordination group reads it when reviewing the access."
        ) % {"min": REASON_TEXT_MIN_LENGTH}


def identifier_from_search(query: str) -> str:
    """A codice fiscale typed in the person search, to fill the request in; anything else is dropped."""
    key = normalise_identifier(query)
    return key if FISCAL_CODE_RE.match(key) else ""


class ReviewForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Was the emergency access justified?"),
        choices=[("", "—"), *ReviewOutcome.choices],
        error_messages={"required": _("Say whether the emergency access was justified.")},
    )
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the access was not justified. No details of the person."),
    )
