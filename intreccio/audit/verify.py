"""Check that an audit chain is intact: every row as written, none missing, the head in step.

The walk reads the chain in key-ordered batches (``seq > last ORDER BY seq LIMIT n``) rather
than through one long cursor: memory stays constant at millions of rows whether or not the
database connection may use server-side cursors (a transaction pooler forbids them), and no
snapshot is held open for the whole walk.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.translation import gettext as _

from intreccio.audit.models import AccessEvent, AuditChain, ChainedEvent, DomainEvent
from intreccio.audit.services import ACCESS_CHAIN, ACCESS_FIELDS, DOMAIN_CHAIN, DOMAIN_FIELDS, compute_hash

DEFAULT_CHUNK_SIZE = 2000

CHAINS: dict[str, tuple[type[ChainedEvent], tuple[str, ...]]] = {
    ACCESS_CHAIN: (AccessEvent, ACCESS_FIELDS),
    DOMAIN_CHAIN: (DomainEvent, DOMAIN_FIELDS),
}


class ProblemKind(enum.StrEnum):
    HASH_MISMATCH = "hash_mismatch"
    PREV_HASH_MISMATCH = "prev_hash_mismatch"
    MISSING_ROWS = "missing_rows"
    HEAD_MISSING = "head_missing"
    HEAD_MISMATCH = "head_mismatch"
    ROWS_BEYOND_HEAD = "rows_beyond_head"


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    seq: int | None
    message: str


@dataclass
class ChainReport:
    name: str
    rows: int = 0
    last_seq: int = 0
    last_hash: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(model: type[ChainedEvent], *, up_to: int | None, chunk_size: int) -> Iterator[ChainedEvent]:
    after: int | None = None
    while True:
        qs = model._default_manager.order_by("seq")
        if after is not None:
            qs = qs.filter(seq__gt=after)
        if up_to is not None:
            qs = qs.filter(seq__lte=up_to)
        batch = list(qs[:chunk_size])
        if not batch:
            return
        yield from batch
        after = batch[-1].seq


def _missing(first: int, last: int, *, at_end: bool = False) -> Problem:
    values = {"first": first, "last": last}
    if at_end and first == last:
        message = _("seq %(first)d is missing at the end of the chain (the chain head is at seq %(last)d).") % values
    elif at_end:
        message = _(
            "seq %(first)d to %(last)d are missing at the end of the chain (the chain head is at seq %(last)d)."
        )
        message %= values
    elif first == last:
        message = _("seq %(first)d is missing: the row was deleted.") % values
    else:
        message = _("seq %(first)d to %(last)d are missing: the rows were deleted.") % values
    return Problem(ProblemKind.MISSING_ROWS, first, message)


def verify_chain(name: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> ChainReport:
    """Walk chain ``name`` in seq order and report every place where it is not as written."""
    model, fields = CHAINS[name]
    report = ChainReport(name=name)
    # Read the head first and walk only up to it: rows appended while we walk belong to the
    # next run, and every row up to the head was committed together with the head.
    head = AuditChain.objects.filter(name=name).first()
    expected_seq = 1
    expected_prev = ""
    for row in _rows(model, up_to=head.last_seq if head else None, chunk_size=chunk_size):
        report.rows += 1
        if row.seq > expected_seq:
            report.problems.append(_missing(expected_seq, row.seq - 1))
        elif row.prev_hash != expected_prev:
            report.problems.append(
                Problem(
                    ProblemKind.PREV_HASH_MISMATCH,
                    row.seq,
                    _("seq %(seq)d does not point to the row before it (previous hash differs).") % {"seq": row.seq},
                )
            )
        if compute_hash(prev_hash=row.prev_hash, fields=fields, row=row) != row.row_hash:
            report.problems.append(
                Problem(
                    ProblemKind.HASH_MISMATCH,
                    row.seq,
                    _("seq %(seq)d: the stored hash does not match the row's content (forged or edited row).")
                    % {"seq": row.seq},
                )
            )
        expected_seq = row.seq + 1
        expected_prev = row.row_hash
        report.last_seq = row.seq
        report.last_hash = row.row_hash

    if head is None:
        if report.rows:
            report.problems.append(
                Problem(
                    ProblemKind.HEAD_MISSING,
                    None,
                    _("The chain head is missing although the chain has %(rows)d rows.") % {"rows": report.rows},
                )
            )
        return report

    if head.last_seq > report.last_seq:
        report.problems.append(_missing(report.last_seq + 1, head.last_seq, at_end=True))
    elif head.last_hash != report.last_hash:
        report.problems.append(
            Problem(
                ProblemKind.HEAD_MISMATCH,
                head.last_seq,
                _("The chain head's hash does not match the hash of seq %(seq)d.") % {"seq": head.last_seq},
            )
        )

    # A row is committed together with the head that counts it, so once the highest seq is read,
    # a head read afterwards can only be behind it if the head was wound back.
    highest = model._default_manager.aggregate(highest=Max("seq"))["highest"]
    current_head = AuditChain.objects.filter(name=name).values_list("last_seq", flat=True).first()
    if highest is not None and (current_head is None or highest > current_head):
        report.problems.append(
            Problem(
                ProblemKind.ROWS_BEYOND_HEAD,
                highest,
                _("There are rows after the chain head, up to seq %(seq)d: the head was moved back.")
                % {"seq": highest},
            )
        )
    return report


def verify_all(*, chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[ChainReport]:
    return [verify_chain(name, chunk_size=chunk_size) for name in CHAINS]
