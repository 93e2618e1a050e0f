"""Writes to organisations, structures, operators, memberships and teams.

Every service validates first, writes, and records its DomainEvent in the same transaction, so a
refusal leaves nothing half-saved and an accepted change is never missing from the audit trail.
Refusals are ``ValidationError``s keyed by the form field they concern.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any, TypeVar

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.utils import build_absolute_uri
from codicefiscale import codicefiscale
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from intreccio.accounts.models import (
    Membership,
    Operator,
    Organisation,
    OrganisationKind,
    Role,
    Structure,
    Team,
    TeamKind,
    TeamMember,
)
from intreccio.audit.services import record_event
from intreccio.core.codes import eleven_digit_check_ok
from intreccio.territory.models import Ambito, Comune

_T = TypeVar("_T")

ORGANISATION_FIELDS = ("name", "short_name", "kind", "tax_code", "email", "phone")
STRUCTURE_FIELDS = ("name", "comune", "address", "email", "phone", "keeps_notes_private")
OPERATOR_FIELDS = ("first_name", "last_name", "email", "fiscal_code", "phone")


# --- validation helpers -----------------------------------------------------------------------


def normalise_code(value: str) -> str:
    """Codes are typed with spaces and in lower case; the database keeps them compact and upper."""
    return "".join(value.split()).upper()


def validate_organisation_tax_code(value: str) -> str:
    code = normalise_code(value)
    if not code:
        return ""
    if re.fullmatch(r"[0-9]{11}", code):
        if not eleven_digit_check_ok(code):
            raise ValidationError(
                {"tax_code": _("The last digit of this partita IVA does not match the others: check for a typo.")}
            )
        return code
    if re.fullmatch(r"[A-Z0-9]{16}", code) and codicefiscale.is_valid(code):
        return code
    raise ValidationError(
        {"tax_code": _("Enter the 11 digits of the partita IVA or a valid 16-character codice fiscale.")}
    )


def validate_fiscal_code(value: str) -> str:
    code = normalise_code(value)
    if not code:
        return ""
    # The explicit ASCII pattern refuses look-alike letters and full-width digits.
    if not re.fullmatch(r"[A-Z0-9]{16}", code) or not codicefiscale.is_valid(code):
        raise ValidationError(
            {
                "fiscal_code": _(
                    "This codice fiscale is not valid: it must have 16 letters and digits and its last "
                    "letter must match the others. Check it against the operator's health card."
                )
            }
        )
    return code


def _required(field: str, value: str, message: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _optional_email(field: str, value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValidationError({field: _("Enter a valid e-mail address, e.g. name@comune.it.")}) from exc
    return value


def _choice(field: str, value: str, choices: list[str], message: str) -> str:
    if value not in choices:
        raise ValidationError({field: message})
    return value


class _Refusals:
    """Gathers every field's refusal, so that a form shows at once all that needs fixing."""

    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def check(self, validate: Callable[[], _T], fallback: _T) -> _T:
        try:
            return validate()
        except ValidationError as exc:
            exc.update_error_dict(self.errors)
            return fallback

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``values`` on ``obj``; return ``{field: [old, new]}`` for what actually changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_payload_value(old), _payload_value(new)]
            setattr(obj, name, new)
    return changes


def _payload_value(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    return value


def _acts_as_administrator_in(actor: Operator, structures: Q) -> bool:
    return Membership.objects.current().filter(structures, operator=actor, role=Role.ADMINISTRATOR).exists()


# --- organisations ----------------------------------------------------------------------------


def _clean_organisation(
    *,
    ambito: Ambito,
    organisation: Organisation | None,
    name: str,
    short_name: str,
    kind: str,
    tax_code: str,
    email: str,
    phone: str,
) -> dict[str, Any]:
    refusals = _Refusals()
    kinds = OrganisationKind.values
    values = {
        "name": refusals.check(lambda: _required("name", name, _("Enter the name of the organisation.")), ""),
        "short_name": short_name.strip(),
        "kind": refusals.check(
            lambda: _choice("kind", kind, kinds, _("Choose the type of organisation from the list.")), ""
        ),
        "tax_code": refusals.check(lambda: validate_organisation_tax_code(tax_code), ""),
        "email": refusals.check(lambda: _optional_email("email", email), ""),
        "phone": phone.strip(),
    }
    # Names are unique within an ambito (a database constraint); another ambito's names stay invisible.
    clash = Organisation.objects.filter(ambito=ambito, name__iexact=values["name"])
    if organisation is not None:
        clash = clash.exclude(pk=organisation.pk)
    if values["name"] and clash.exists():
        refusals.errors["name"] = [_("An organisation with this name already exists: choose another name.")]
    refusals.raise_any()
    return values


@transaction.atomic
def organisation_create(
    *,
    actor: Operator,
    ambito: Ambito,
    name: str,
    kind: str,
    short_name: str = "",
    tax_code: str = "",
    email: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> Organisation:
    values = _clean_organisation(
        ambito=ambito,
        organisation=None,
        name=name,
        short_name=short_name,
        kind=kind,
        tax_code=tax_code,
        email=email,
        phone=phone,
    )
    organisation = Organisation.objects.create(ambito=ambito, **values)
    record_event(
        action="accounts.organisation.created",
        actor=actor,
        target=organisation,
        payload={**values, "ambito": ambito.pk},
        request=request,
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Operator,
    organisation: Organisation,
    name: str,
    kind: str,
    short_name: str = "",
    tax_code: str = "",
    email: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> Organisation:
    values = _clean_organisation(
        ambito=organisation.ambito,
        organisation=organisation,
        name=name,
        short_name=short_name,
        kind=kind,
        tax_code=tax_code,
        email=email,
        phone=phone,
    )
    changes = _apply(organisation, values)
    if changes:
        organisation.save(update_fields=[*changes, "updated_at"])
        record_event(
            action="accounts.organisation.updated", actor=actor, target=organisation, payload=changes, request=request
        )
    return organisation


@transaction.atomic
def organisation_deactivate(
    *, actor: Operator, organisation: Organisation, request: HttpRequest | None = None
) -> Organisation:
    if not organisation.is_active:
        raise ValidationError(_("This organisation is already inactive."))
    if _acts_as_administrator_in(actor, Q(structure__organisation=organisation)):
        raise ValidationError(
            _("You administer the network through this organisation: deactivating it would lock you out.")
        )
    organisation.is_active = False
    organisation.save(update_fields=["is_active", "updated_at"])
    record_event(
        action="accounts.organisation.deactivated",
        actor=actor,
        target=organisation,
        payload={"is_active": [True, False]},
        request=request,
    )
    return organisation


# --- structures -------------------------------------------------------------------------------


def _clean_structure(
    *,
    organisation: Organisation,
    structure: Structure | None,
    name: str,
    comune: Comune | None,
    address: str,
    email: str,
    phone: str,
    keeps_notes_private: bool,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": _required("name", name, _("Enter the name of the service or office.")),
        "comune": comune,
        "address": address.strip(),
        "email": _optional_email("email", email),
        "phone": phone.strip(),
        "keeps_notes_private": bool(keeps_notes_private),
    }
    clash = Structure.objects.filter(organisation=organisation, name__iexact=values["name"])
    if structure is not None:
        clash = clash.exclude(pk=structure.pk)
    if clash.exists():
        raise ValidationError({"name": _("This organisation already has a structure with this name.")})
    return values


@transaction.atomic
def structure_create(
    *,
    actor: Operator,
    organisation: Organisation,
    name: str,
    comune: Comune | None = None,
    address: str = "",
    email: str = "",
    phone: str = "",
    keeps_notes_private: bool = False,
    request: HttpRequest | None = None,
) -> Structure:
    if not organisation.is_active:
        raise ValidationError(_("This organisation is inactive: structures cannot be added to it."))
    values = _clean_structure(
        organisation=organisation,
        structure=None,
        name=name,
        comune=comune,
        address=address,
        email=email,
        phone=phone,
        keeps_notes_private=keeps_notes_private,
    )
    structure = Structure.objects.create(organisation=organisation, **values)
    payload = {**values, "comune": comune.pk if comune else None, "organisation": organisation.pk}
    record_event(action="accounts.structure.created", actor=actor, target=structure, payload=payload, request=request)
    return structure


@transaction.atomic
def structure_update(
    *,
    actor: Operator,
    structure: Structure,
    name: str,
    comune: Comune | None = None,
    address: str = "",
    email: str = "",
    phone: str = "",
    keeps_notes_private: bool = False,
    request: HttpRequest | None = None,
) -> Structure:
    values = _clean_structure(
        organisation=structure.organisation,
        structure=structure,
        name=name,
        comune=comune,
        address=address,
        email=email,
        phone=phone,
        keeps_notes_private=keeps_notes_private,
    )
    changes = _apply(structure, values)
    if changes:
        structure.save(update_fields=[*changes, "updated_at"])
        record_event(
            action="accounts.structure.updated", actor=actor, target=structure, payload=changes, request=request
        )
    return structure


@transaction.atomic
def structure_deactivate(*, actor: Operator, structure: Structure, request: HttpRequest | None = None) -> Structure:
    if not structure.is_active:
        raise ValidationError(_("This structure is already inactive."))
    if _acts_as_administrator_in(actor, Q(structure=structure)):
        raise ValidationError(
            _("You administer the network through this structure: deactivating it would lock you out.")
        )
    structure.is_active = False
    structure.save(update_fields=["is_active", "updated_at"])
    record_event(
        action="accounts.structure.deactivated",
        actor=actor,
        target=structure,
        payload={"is_active": [True, False]},
        request=request,
    )
    return structure


# --- memberships ------------------------------------------------------------------------------


def _clean_membership(
    *,
    operator: Operator | None,
    structure: Structure,
    role: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
) -> None:
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = _("Choose a role from the list.")
    if not structure.is_active or not structure.organisation.is_active:
        errors["structure"] = _("This structure or its organisation is inactive: choose an active one.")
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("The end date must be on or after the start date (%(start)s).") % {
            "start": _date(valid_from)
        }
    if errors:
        raise ValidationError(errors)
    if operator is None:
        return
    overlapping = Membership.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from), operator=operator, structure=structure, role=role
    )
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    clash = overlapping.order_by("valid_from").first()
    if clash is not None:
        period = (
            _("from %(start)s to %(end)s") % {"start": _date(clash.valid_from), "end": _date(clash.valid_to)}
            if clash.valid_to
            else _("from %(start)s with no end date") % {"start": _date(clash.valid_from)}
        )
        raise ValidationError(
            {
                "valid_from": _(
                    "This operator already has this role in this structure %(period)s: the periods must not "
                    "overlap. End that membership first or choose other dates."
                )
                % {"period": period}
            }
        )


def _membership_payload(membership: Membership) -> dict[str, Any]:
    return {
        "operator": membership.operator_id,
        "structure": membership.structure_id,
        "role": membership.role,
        "valid_from": membership.valid_from,
        "valid_to": membership.valid_to,
    }


@transaction.atomic
def membership_add(
    *,
    actor: Operator,
    operator: Operator,
    structure: Structure,
    role: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    _clean_membership(operator=operator, structure=structure, role=role, valid_from=valid_from, valid_to=valid_to)
    membership = Membership.objects.create(
        operator=operator, structure=structure, role=role, valid_from=valid_from, valid_to=valid_to
    )
    record_event(
        action="accounts.membership.added",
        actor=actor,
        target=membership,
        payload=_membership_payload(membership),
        request=request,
    )
    return membership


@transaction.atomic
def membership_end(
    *, actor: Operator, membership: Membership, valid_to: datetime.date, request: HttpRequest | None = None
) -> Membership:
    if valid_to < membership.valid_from:
        raise ValidationError(
            {
                "valid_to": _("The end date must be on or after the start date (%(start)s).")
                % {"start": _date(membership.valid_from)}
            }
        )
    if membership.valid_to is not None and valid_to > membership.valid_to:
        raise ValidationError(
            {
                "valid_to": _("This membership already ends on %(end)s; an end date can only be brought forward.")
                % {"end": _date(membership.valid_to)}
            }
        )
    if membership.operator_id == actor.pk and membership.role == Role.ADMINISTRATOR:
        raise ValidationError(
            {"valid_to": _("You cannot end your own administrator membership: ask another administrator.")}
        )
    previous = membership.valid_to
    membership.valid_to = valid_to
    membership.save(update_fields=["valid_to", "updated_at"])
    record_event(
        action="accounts.membership.ended",
        actor=actor,
        target=membership,
        payload={"valid_to": [previous, valid_to]},
        request=request,
    )
    return membership


# --- operators --------------------------------------------------------------------------------


def _clean_operator(
    *,
    refusals: _Refusals,
    operator: Operator | None,
    first_name: str,
    last_name: str,
    email: str,
    fiscal_code: str,
    phone: str,
) -> dict[str, Any]:
    """The operator's own fields; refusals are gathered in ``refusals`` for the caller to raise."""
    email_missing = _("Enter the operator's e-mail address: the link to set a password is sent there.")
    values = {
        "first_name": refusals.check(
            lambda: _required("first_name", first_name, _("Enter the operator's first name.")), ""
        ),
        "last_name": refusals.check(
            lambda: _required("last_name", last_name, _("Enter the operator's last name.")), ""
        ),
        "email": refusals.check(lambda: _optional_email("email", _required("email", email, email_missing)), ""),
        "fiscal_code": refusals.check(lambda: validate_fiscal_code(fiscal_code), ""),
        "phone": phone.strip(),
    }
    if values["fiscal_code"]:
        clash = Operator.objects.filter(fiscal_code=values["fiscal_code"])
        if operator is not None:
            clash = clash.exclude(pk=operator.pk)
        if clash.exists():
            refusals.errors["fiscal_code"] = [_("Another operator already has this codice fiscale.")]
    return values


def _clean_username(username: str) -> str:
    username = _required("username", username, _("Choose a username for signing in."))
    try:
        Operator.username_validator(username)
    except ValidationError as exc:
        raise ValidationError(
            {"username": _("Use only letters, digits and the characters @ . + - _ in the username.")}
        ) from exc
    if Operator.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken: choose another.")})
    return username


def password_setup_url(operator: Operator, request: HttpRequest | None) -> str:
    """allauth's reset-from-key link: the token dies as soon as a password is set."""
    key = f"{user_pk_to_url_str(operator)}-{default_token_generator.make_token(operator)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return build_absolute_uri(request, path.replace("UID-KEY", key))


def _send_password_setup_mail(operator: Operator, request: HttpRequest | None) -> None:
    context = {"operator": operator, "url": password_setup_url(operator, request)}
    subject = "".join(render_to_string("accounts/email/operator_welcome_subject.txt", context).splitlines())
    body = render_to_string("accounts/email/operator_welcome_message.txt", context)
    send_mail(subject, body, None, [operator.email])


@transaction.atomic
def operator_create(
    *,
    actor: Operator,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    structure: Structure,
    role: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    fiscal_code: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> Operator:
    """A new operator with a first membership; they choose their own password from an e-mailed link."""
    refusals = _Refusals()
    username = refusals.check(lambda: _clean_username(username), "")
    values = _clean_operator(
        refusals=refusals,
        operator=None,
        first_name=first_name,
        last_name=last_name,
        email=email,
        fiscal_code=fiscal_code,
        phone=phone,
    )
    refusals.check(
        lambda: _clean_membership(
            operator=None, structure=structure, role=role, valid_from=valid_from, valid_to=valid_to
        ),
        None,
    )
    refusals.raise_any()

    operator = Operator(username=username, **values)
    operator.set_unusable_password()
    operator.save()
    membership = Membership.objects.create(
        operator=operator, structure=structure, role=role, valid_from=valid_from, valid_to=valid_to
    )
    record_event(
        action="accounts.operator.created",
        actor=actor,
        target=operator,
        payload={"username": username, **values, "membership": _membership_payload(membership)},
        request=request,
    )
    # The mail goes only if the operator really exists; a mail-server failure must not undo it.
    transaction.on_commit(lambda: _send_password_setup_mail(operator, request), robust=True)
    return operator


@transaction.atomic
def operator_update(
    *,
    actor: Operator,
    operator: Operator,
    first_name: str,
    last_name: str,
    email: str,
    fiscal_code: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> Operator:
    refusals = _Refusals()
    values = _clean_operator(
        refusals=refusals,
        operator=operator,
        first_name=first_name,
        last_name=last_name,
        email=email,
        fiscal_code=fiscal_code,
        phone=phone,
    )
    refusals.raise_any()
    changes = _apply(operator, values)
    if changes:
        operator.save(update_fields=list(changes))
        record_event(action="accounts.operator.updated", actor=actor, target=operator, payload=changes, request=request)
    return operator


@transaction.atomic
def operator_deactivate(*, actor: Operator, operator: Operator, request: HttpRequest | None = None) -> Operator:
    """The operator can no longer sign in; open sessions stop at their next request.

    Django's authentication backends refuse inactive users when they load the user from the
    session, so no session of a deactivated operator stays usable.
    """
    if operator.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account: ask another administrator."))
    if not operator.is_active:
        raise ValidationError(_("This operator is already inactive."))
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    record_event(
        action="accounts.operator.deactivated",
        actor=actor,
        target=operator,
        payload={"is_active": [True, False]},
        request=request,
    )
    return operator


@transaction.atomic
def operator_reset_mfa(*, actor: Operator, operator: Operator, request: HttpRequest | None = None) -> list[str]:
    """Remove the operator's second factors so that they must enrol a new TOTP at next login."""
    authenticators = Authenticator.objects.filter(user=operator)
    removed = sorted({a.type for a in authenticators})
    if not removed:
        raise ValidationError(_("This operator has no second factor to reset."))
    authenticators.delete()
    record_event(
        action="accounts.operator.mfa_reset",
        actor=actor,
        target=operator,
        payload={"removed": removed},
        request=request,
    )
    return removed


# --- teams ------------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor: Operator, ambito: Ambito, name: str, kind: str, request: HttpRequest | None = None) -> Team:
    name = _required("name", name, _("Enter the name of the team."))
    kind = _choice("kind", kind, TeamKind.values, _("Choose the type of team from the list."))
    if Team.objects.filter(ambito=ambito, name__iexact=name).exists():
        raise ValidationError({"name": _("This ambito already has a team with this name.")})
    if kind == TeamKind.COORDINATION_GROUP:
        existing = Team.objects.filter(ambito=ambito, kind=kind, is_active=True).first()
        if existing is not None:
            raise ValidationError(
                {
                    "kind": _("This ambito already has an active coordination group (%(name)s): there can be only one.")
                    % {"name": existing.name}
                }
            )
    team = Team.objects.create(ambito=ambito, name=name, kind=kind)
    record_event(
        action="accounts.team.created",
        actor=actor,
        target=team,
        payload={"name": name, "kind": kind, "ambito": ambito.pk},
        request=request,
    )
    return team


@transaction.atomic
def team_member_add(
    *, actor: Operator, team: Team, operator: Operator, is_chair: bool = False, request: HttpRequest | None = None
) -> TeamMember:
    if not team.is_active:
        raise ValidationError(_("This team is inactive: members cannot be added."))
    if not operator.is_active:
        raise ValidationError({"operator": _("This operator is inactive.")})
    if not Membership.objects.filter(operator=operator, structure__organisation__ambito=team.ambito_id).exists():
        raise ValidationError({"operator": _("Only operators working in this ambito can join its teams.")})
    if TeamMember.objects.filter(team=team, operator=operator).exists():
        raise ValidationError({"operator": _("This operator is already a member of the team.")})
    if is_chair:
        chair = TeamMember.objects.filter(team=team, is_chair=True).select_related("operator").first()
        if chair is not None:
            raise ValidationError(
                {
                    "is_chair": _("%(name)s already chairs this team: a team has one chair. Remove them first.")
                    % {"name": chair.operator}
                }
            )
    member = TeamMember.objects.create(team=team, operator=operator, is_chair=is_chair)
    record_event(
        action="accounts.team.member_added",
        actor=actor,
        target=team,
        payload={"operator": operator.pk, "username": operator.username, "is_chair": is_chair},
        request=request,
    )
    return member


@transaction.atomic
def team_member_remove(*, actor: Operator, member: TeamMember, request: HttpRequest | None = None) -> None:
    team, operator = member.team, member.operator
    member.delete()
    record_event(
        action="accounts.team.member_removed",
        actor=actor,
        target=team,
        payload={"operator": operator.pk, "username": operator.username, "was_chair": member.is_chair},
        request=request,
    )
