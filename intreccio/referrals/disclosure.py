"""The one rule that decides whether a referral may disclose the person's data (SECURITY.md R9).

Deny by default. A referral shares the person's identity and contacts, the reason and the notes
of the sections chosen, with an organisation of the network. It may go when:

- the person's consents, each given (``given_on`` on or before the day), not withdrawn, and given
  for the whole network (no recipient) or for the receiving organisation, cover every scope the
  disclosure needs: sharing with the network always; sharing health information when the health
  or disability section goes; sharing with third-sector providers when the receiving
  organisation is a third-sector body; or
- an override is recorded on the referral: one of the legal bases of ``OverrideBasis`` and a
  reason of at least ``OVERRIDE_REASON_MIN_LENGTH`` characters (who and when are stored by the
  service).

The violence, minors-and-court and judicial sections go only with an override: no consent scope
of the registry covers them. Judicial data rest on the law, not on consent (GDPR art. 10;
D.Lgs. 196/2003 art. 2-octies); court measures about minors are decided by the court; and a
disclosure about gender-based violence can put the person at risk, so whoever shares it must
name the legal basis and answer for it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from intreccio.accounts.models import OrganisationKind, Structure
from intreccio.cases.models import Section
from intreccio.people.models import Consent, ConsentScope, Person
from intreccio.referrals.models import OverrideBasis

OVERRIDE_REASON_MIN_LENGTH = 20
HEALTH_SECTIONS = frozenset({Section.HEALTH, Section.DISABILITY})
OVERRIDE_ONLY_SECTIONS = frozenset({Section.VIOLENCE, Section.MINORS_COURT, Section.JUDICIAL})
# The scopes a referral can rest on; "being contacted" is not a consent to disclose.
DISCLOSURE_SCOPES = (ConsentScope.NETWORK_SHARING, ConsentScope.HEALTH_SHARING, ConsentScope.THIRD_SECTOR)

CONSENT = "consent"
OVERRIDE = "override"


@dataclass(frozen=True)
class DisclosureDecision:
    """Whether the referral may go, on which basis, and what is missing when it may not."""

    allowed: bool
    basis: str  # CONSENT, OVERRIDE, or "" when refused
    required_scopes: frozenset[str]
    consents: Mapping[str, Consent] = field(default_factory=dict)  # by scope, when the basis is consent
    problems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by form field


def required_scopes(*, sections: Iterable[str], to_structure: Structure) -> frozenset[str]:
    """The consent scopes a disclosure of ``sections`` to ``to_structure`` needs."""
    shared = set(sections)
    scopes = {ConsentScope.NETWORK_SHARING.value}
    if shared & HEALTH_SECTIONS:
        scopes.add(ConsentScope.HEALTH_SHARING.value)
    if to_structure.organisation.kind == OrganisationKind.THIRD_SECTOR:
        scopes.add(ConsentScope.THIRD_SECTOR.value)
    return frozenset(scopes)


def consent_in_force(consent: Consent, *, on: datetime.date) -> bool:
    return consent.given_on <= on and (consent.withdrawn_on is None or consent.withdrawn_on > on)


def consent_reaches(consent: Consent, *, organisation_id: int) -> bool:
    """A consent for the whole network (no recipient) or for this organisation."""
    return consent.recipient_id is None or consent.recipient_id == organisation_id


def _scope_label(scope: str) -> str:
    return str(ConsentScope(scope).label)


def referral_disclosure_allowed(
    *,
    person: Person | None,
    to_structure: Structure,
    sections: Iterable[str],
    consents: Iterable[Consent] = (),
    override_basis: str = "",
    override_reason: str = "",
    on: datetime.date,
) -> DisclosureDecision:
    """Decide a disclosure. Anything not positively covered is refused."""
    shared = frozenset(sections)
    needed = required_scopes(sections=shared, to_structure=to_structure)
    chosen = list(consents)
    problems: dict[str, list[str]] = {}

    def refuse(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    def decision(basis: str, used: Mapping[str, Consent] | None = None) -> DisclosureDecision:
        if problems:
            frozen = {name: tuple(messages) for name, messages in problems.items()}
            return DisclosureDecision(allowed=False, basis="", required_scopes=needed, problems=frozen)
        return DisclosureDecision(allowed=True, basis=basis, required_scopes=needed, consents=dict(used or {}))

    if person is None:
        refuse("__all__", _("A referral is about one person: this case has none to refer."))
        return decision("")

    if override_basis:
        if override_basis not in OverrideBasis.values:
            refuse("override_basis", _("Choose the legal basis of the override from the list."))
        if len(" ".join(override_reason.split())) < OVERRIDE_REASON_MIN_LENGTH:
            refuse(
                "override_reason",
                _("Explain in at least %(count)d characters why the referral cannot wait for the consent.")
                % {"count": OVERRIDE_REASON_MIN_LENGTH},
            )
        if chosen:
            refuse(
                "consents",
                _("A referral rests on the person's consent or on an override, not both: untick the consents."),
            )
        return decision(OVERRIDE)

    if override_reason.strip():
        refuse("override_basis", _("You explained an override: choose its legal basis, or clear the explanation."))
    sealed = sorted(shared & OVERRIDE_ONLY_SECTIONS, key=Section.values.index)
    if sealed:
        names = ", ".join(str(Section(s).label) for s in sealed)
        refuse(
            "shared_sections",
            _(
                "No consent covers the sections %(sections)s: share them only with an override, "
                "naming its legal basis, or untick them."
            )
            % {"sections": names},
        )

    organisation_id = to_structure.organisation_id
    used: dict[str, Consent] = {}
    for consent in chosen:
        label = _scope_label(consent.scope) if consent.scope in ConsentScope.values else consent.scope
        if consent.person_id != person.pk:
            refuse("consents", _("One of the consents chosen is not this person's."))
        elif consent.scope not in DISCLOSURE_SCOPES:
            refuse("consents", _("“%(scope)s” is not a consent to share data: untick it.") % {"scope": label})
        elif not consent_in_force(consent, on=on):
            refuse(
                "consents",
                _("The consent “%(scope)s” is not in force (withdrawn, or dated after today).") % {"scope": label},
            )
        elif not consent_reaches(consent, organisation_id=organisation_id):
            refuse(
                "consents",
                _("The consent “%(scope)s” was given for %(organisation)s, not for %(receiver)s.")
                % {"scope": label, "organisation": consent.recipient, "receiver": to_structure.organisation},
            )
        elif consent.scope in needed:
            used.setdefault(consent.scope, consent)
    for scope in sorted(needed - set(used), key=list(ConsentScope.values).index):
        refuse(
            "consents",
            _("The referral needs the person's consent “%(scope)s”: choose it, or record an override.")
            % {"scope": _scope_label(scope)},
        )
    return decision(CONSENT, used)
