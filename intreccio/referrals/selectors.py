"""Reads of referrals, scoped by referrals/permissions.py; every read is recorded (SECURITY.md R4).

The recipients' view is the minimum dataset: who the person is and how to reach them (name, date
of birth, codice fiscale, phone), the reason, who sent the referral and how to reach them, and
the notes of the shared sections as they were when the referral was sent, without the notes a
service keeps to itself and without anything blacked out for the reader. Missing and forbidden
are both 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Case as DbCase
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Membership, Operator, Structure
from intreccio.audit.services import record_access, record_access_many
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case, CaseMember, CaseNote, Section
from intreccio.cases.selectors import NOTE_LABEL
from intreccio.people.models import Consent, Person
from intreccio.referrals import permissions
from intreccio.referrals.disclosure import DISCLOSURE_SCOPES
from intreccio.referrals.models import Referral, ReferralStatus

PURPOSE = "referral"
# The access log's section for the person's identity and contacts shown to a recipient.
IDENTITY = "identity"
PAST_SHOWN = 50


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _membership(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


def receiving_structures(*, case: Case, exclude_structure_id: int) -> QuerySet[Structure]:
    """Active services of the case's ambito where someone would read a referral, except the sender's."""
    on_duty = Membership.objects.current().filter(structure=OuterRef("pk"), role__in=list(case_permissions.CASE_ROLES))
    return (
        Structure.objects.filter(
            Exists(on_duty),
            is_active=True,
            organisation__is_active=True,
            organisation__ambito_id=case.ambito_id,
        )
        .exclude(pk=exclude_structure_id)
        .select_related("organisation")
        .order_by("organisation__name", "name", "pk")
    )


def valid_consents(*, person: Person | None) -> list[Consent]:
    """The person's consents in force today that a referral can rest on."""
    if person is None:
        return []
    today = timezone.localdate()
    return list(
        Consent.objects.filter(person=person, scope__in=list(DISCLOSURE_SCOPES), given_on__lte=today)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
        .select_related("recipient")
        .order_by("scope", "-given_on", "pk")
    )


def _on_team(request: HttpRequest) -> Q:
    user_id = _actor(request).pk
    return Q(Exists(CaseMember.objects.filter(case=OuterRef("pk"), operator_id=user_id, left_on__isnull=True)))


def case_for_referrals(*, request: HttpRequest, case_pk: int, purpose: str = "referrals of the case") -> Case:
    """The case if the operator is on its current team (404 otherwise), with the read recorded."""
    if not permissions.acts_on_cases(request):
        raise Http404
    case = Case.objects.filter(_on_team(request), pk=case_pk).select_related("person", "ambito", "case_manager").first()
    if case is None:
        raise Http404
    record_access(actor=_actor(request), obj=case, request=request, section=Section.COMMON, purpose=purpose)
    return case


@dataclass
class CaseReferrals:
    case: Case
    referrals: list[Referral]
    structures: list[Structure]
    sections: list[str]  # the sections the sender reads, in the order of ``Section``
    consents: list[Consent]
    can_override: bool

    @property
    def can_send(self) -> bool:
        return self.case.is_open and self.case.person_id is not None and bool(self.structures)


def case_referrals(*, request: HttpRequest, case_pk: int) -> CaseReferrals:
    """The case's referrals and what the new-referral form offers, for a team member."""
    case = case_for_referrals(request=request, case_pk=case_pk)
    referrals = list(
        case.referrals.select_related("to_structure__organisation", "from_structure", "sent_by").order_by(
            "-sent_at", "-pk"
        )
    )
    consents = valid_consents(person=case.person)
    if case.person is not None:
        # The consents shown are the person's data too.
        record_access(actor=_actor(request), obj=case.person, request=request, section="consents", purpose=PURPOSE)
    allowed = case_permissions.sections_for(request, case)
    return CaseReferrals(
        case=case,
        referrals=referrals,
        structures=list(receiving_structures(case=case, exclude_structure_id=_membership(request).structure_id)),
        sections=[s for s in Section.values if s in allowed],
        consents=consents,
        can_override=permissions.can_override(request),
    )


@dataclass(frozen=True)
class SharedSection:
    code: str
    label: str
    notes: list[CaseNote]


@dataclass
class RecipientDataset:
    """What the receiving service reads: nothing more."""

    person: Person
    sender: Operator
    sender_structure: Structure
    sections: list[SharedSection] = field(default_factory=list)


@dataclass
class ReferralPage:
    referral: Referral
    as_sender: bool
    as_recipient: bool
    dataset: RecipientDataset | None
    can_withdraw: bool = False

    @property
    def can_accept(self) -> bool:
        return self.as_recipient and self.referral.status == ReferralStatus.SENT

    @property
    def can_complete(self) -> bool:
        return self.as_recipient and self.referral.status == ReferralStatus.ACCEPTED


def _shared_notes(request: HttpRequest, referral: Referral) -> list[SharedSection]:
    shared = [s for s in Section.values if s in set(referral.shared_sections)]
    if not shared:
        return []
    case = referral.case
    hidden = {pk for label, pk in case_permissions.hidden_items(request, case) if label == NOTE_LABEL}
    # As they were when the referral was sent; notes a service keeps to itself never leave it.
    notes = (
        CaseNote.objects.filter(case=case, section__in=shared, created_at__lte=referral.sent_at)
        .filter(Q(restricted_to_structure=False) | Q(author_structure_id=_membership(request).structure_id))
        .exclude(pk__in=hidden)
        .select_related("author", "author_structure__organisation")
        .order_by("-created_at", "-pk")
    )
    by_section: dict[str, list[CaseNote]] = {s: [] for s in shared}
    for note in notes:
        by_section[note.section].append(note)
    return [SharedSection(code=s, label=str(Section(s).label), notes=by_section[s]) for s in shared]


def referral_page(*, request: HttpRequest, pk: int) -> ReferralPage:
    """A referral for its sender side or its recipients (404 for anyone else), each read recorded."""
    referral = (
        Referral.objects.filter(permissions.received_q(request) | permissions.sender_side_q(request), pk=pk)
        .select_related(
            "case__person",
            "case__case_manager",
            "from_structure__organisation",
            "to_structure__organisation",
            "sent_by",
            "consent__recipient",
            "health_consent__recipient",
            "third_sector_consent__recipient",
            "override_by",
            "answered_by",
            "closed_by",
        )
        .first()
    )
    if referral is None:
        raise Http404
    case = referral.case
    as_recipient = permissions.is_recipient(request, referral)
    as_sender = permissions.can_refer(request, case)
    actor = _actor(request)
    dataset = None
    if as_sender:
        record_access(actor=actor, obj=case, request=request, section=Section.COMMON, purpose=PURPOSE)
    if as_recipient:
        assert case.person is not None  # a referral is always about one person (referral_send)
        record_access(actor=actor, obj=case, request=request, section=IDENTITY, purpose=PURPOSE)
        for section in referral.shared_sections:
            record_access(actor=actor, obj=case, request=request, section=section, purpose=PURPOSE)
        dataset = RecipientDataset(
            person=case.person,
            sender=referral.sent_by,
            sender_structure=referral.from_structure,
            sections=_shared_notes(request, referral),
        )
    return ReferralPage(
        referral=referral,
        as_sender=as_sender,
        as_recipient=as_recipient,
        dataset=dataset,
        can_withdraw=as_sender and permissions.can_withdraw(request, referral),
    )


def referral_for_action(*, request: HttpRequest, pk: int) -> Referral:
    """A referral the operator may act on from either side, without recording a read (the service decides)."""
    referral = (
        Referral.objects.filter(permissions.received_q(request) | permissions.sender_side_q(request), pk=pk)
        .select_related("case", "to_structure", "from_structure", "sent_by")
        .first()
    )
    if referral is None:
        raise Http404
    return referral


@dataclass
class Inbox:
    structure: Structure
    active: Sequence[Referral]
    past: Sequence[Referral]


# Waiting for an answer first, then those being followed.
STATUS_RANK = DbCase(
    When(status=ReferralStatus.SENT, then=Value(0)),
    When(status=ReferralStatus.ACCEPTED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def inbox(*, request: HttpRequest) -> Inbox:
    """The referrals the acting structure received: the ones it reads now, then the past ones without names."""
    if not permissions.acts_on_cases(request):
        raise Http404
    membership = _membership(request)
    active = list(
        Referral.objects.filter(permissions.received_q(request))
        .select_related("case__person", "from_structure__organisation", "sent_by")
        .annotate(rank=STATUS_RANK)
        .order_by("rank", "-sent_at", "-pk")
    )
    past = list(
        Referral.objects.filter(to_structure=membership.structure)
        .exclude(pk__in=[r.pk for r in active])
        .select_related("from_structure__organisation")
        .order_by("-sent_at", "-pk")[:PAST_SHOWN]
    )
    actor = _actor(request)
    record_access(
        actor=actor,
        request=request,
        object_type="referrals.referral",
        object_id="inbox",
        section="list",
        purpose="referral inbox",
    )
    if active:
        cases: list[Case] = list({r.case_id: r.case for r in active}.values())
        record_access_many(actor=actor, objs=list(cases), request=request, section=IDENTITY, purpose="referral inbox")
    return Inbox(structure=membership.structure, active=active, past=past)
