"""F3: PostgreSQL restarts under load; errors only during the restart, the app recovers by itself, no partial writes.

Operators keep adding case notes through the real page (the test client and the whole middleware
stack: session, access record, the note's transaction with its domain event) while the main thread
restarts the server with ``pg_ctl restart -m fast -w``. One more operator adds a note before the
restart, is idle through it and writes again afterwards, like a web worker that had no request during
the restart and still holds its persistent connection (``CONN_MAX_AGE``) to the server that went away.
A last writer calls the service directly, five notes in one transaction each time: its time is spent
almost wholly inside a transaction, so the restart usually cuts one in the middle, and a batch must be
there whole or not at all (Django must neither commit half of it nor reconnect and carry on).

How the test drives the application, and why:

- Django's test client detaches ``close_old_connections`` from the request signals (a ``TestCase``'s
  transaction must survive between requests); a real server runs it when each request starts and
  ends. The writers run it at those two points, exactly as the WSGI handler would, and nothing else:
  the test never closes, resets or retries a connection on the application's behalf.
- The test client catches a request's exception through the global ``got_request_exception`` signal,
  so with several clients in flight each one also catches the others' exceptions. The clients here do
  not re-raise (``raise_request_exception = False``): a failed request is its 500 or 503 answer, and
  the exceptions a request raised are kept per thread by the test's own receiver.

The test restarts the server, so it must not share it with other tests: it is marked ``restart`` and
``scripts/test.sh`` runs it alone after the PostgreSQL pass, telling it the throwaway server's data
directory, its ``pg_ctl`` and the user that owns it (``INTRECCIO_TEST_PGDATA``,
``INTRECCIO_TEST_PG_CTL``, ``INTRECCIO_TEST_PG_USER``). Without them it is skipped. (A second server
started by the test itself would also work, but would repeat the script's set-up inside a test; the
separate run restarts the very server, and test database, that the suite uses.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.db import Error as DatabaseError
from django.db import close_old_connections, connection, connections, transaction
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from intreccio.audit.models import DomainEvent
from intreccio.audit.services import AuditError
from intreccio.audit.verify import verify_all
from intreccio.cases.models import Case, CaseNote, Section
from intreccio.cases.services import case_note_add
from intreccio.cases.tests.conftest import Net, english, net  # noqa: F401  (fixtures)
from intreccio.cases.tests.pages import client_for, open_case

PGDATA = os.environ.get("INTRECCIO_TEST_PGDATA", "")
PG_CTL = os.environ.get("INTRECCIO_TEST_PG_CTL", "")
PG_USER = os.environ.get("INTRECCIO_TEST_PG_USER", "")  # run pg_ctl as this user (through runuser) when set

GRACE = 1.0  # seconds after the server is back in which a request that was under way may still fail
AFTER = 2.5  # seconds of writing after the grace
WARM_UP_TIMEOUT = 20.0
BATCH = 5  # notes per transaction of the service writer

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.restart,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="restarts a PostgreSQL server"),
    pytest.mark.skipif(
        not (PGDATA and PG_CTL), reason="needs the throwaway server of scripts/test.sh (INTRECCIO_TEST_PG*)"
    ),
]


@dataclass(frozen=True)
class Attempt:
    writer: int
    key: str  # in its notes' text and in the request id, which their domain events keep
    started: float
    ended: float
    outcome: str  # the HTTP status, or "raised" for a service call that raised
    errors: tuple[str, ...]  # the exceptions raised, class and first line
    database_errors: bool  # every exception raised came from the database
    # The failure may have come after the writes were complete (a COMMIT whose answer was lost; on the
    # page, anything outside the note's transaction, e.g. saving the session afterwards): its notes may
    # then be there, whole. Any other failure must have left nothing.
    late_failure: bool

    @property
    def ok(self) -> bool:
        return self.outcome in ("302", "written") and not self.errors

    def __str__(self) -> str:
        return f"writer {self.writer} {self.key} {self.started:.2f}-{self.ended:.2f}: {self.outcome} {self.errors}"


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {next(iter(str(exc).splitlines()), '')}"


def _from_database(exc: BaseException) -> bool:
    """A database error, or the audit trail's refusal because of one."""
    return isinstance(exc, DatabaseError) or (isinstance(exc, AuditError) and isinstance(exc.__cause__, DatabaseError))


def _frames(exceptions: list[BaseException]) -> list[traceback.FrameSummary]:
    """The frames of the exceptions and of those they were raised from or while handling.

    E.g. a failing COMMIT, then the connection that ``atomic`` cannot reopen to restore autocommit.
    """
    frames: list[traceback.FrameSummary] = []
    seen: set[int] = set()
    pending = list(exceptions)
    while pending:
        exc = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        frames += traceback.extract_tb(exc.__traceback__)
        pending += [linked for linked in (exc.__cause__, exc.__context__) if linked is not None]
    return frames


class Writers:
    """Operators adding notes to one case, through the page or the service; every attempt is kept with its
    outcome and times."""

    def __init__(self, case: Case, clients: dict[int, Client], requests: dict[int, HttpRequest]) -> None:
        self.case = case
        self.url = reverse("cases:note_add", args=[case.pk])
        self.clients = clients
        self.requests = requests
        for client in clients.values():
            client.raise_request_exception = False
        self.origin = time.monotonic()
        self.attempts: list[Attempt] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.restarted = threading.Event()
        self.raised = threading.local()

    def now(self) -> float:
        return time.monotonic() - self.origin

    def keep_exception(self, sender: object, **kwargs: Any) -> None:
        """``got_request_exception`` receiver: sent in the thread of the failing request, inside its ``except``."""
        exc = sys.exc_info()[1]
        if exc is not None:
            self.raised.exceptions.append(exc)

    def record(self, writer: int, key: str, started: float, outcome: str, exceptions: list[BaseException]) -> None:
        frames = _frames(exceptions)
        if outcome == "raised":  # the service writer: only a failing COMMIT comes after the writes
            late = any(frame.name == "commit" for frame in frames)
        else:  # the page: not the audit's refusal (503), not from inside the note's transaction
            late = outcome != "503" and not any(frame.name == "case_note_add" for frame in frames)
        result = Attempt(
            writer=writer,
            key=key,
            started=started,
            ended=self.now(),
            outcome=outcome,
            errors=tuple(_first_line(exc) for exc in exceptions),
            database_errors=all(_from_database(exc) for exc in exceptions),
            late_failure=late,
        )
        with self.lock:
            self.attempts.append(result)

    def attempt(self, writer: int, number: int) -> None:
        """One note through the page, as an operator's browser adds it."""
        key = f"f3-w{writer}-n{number:05d}"
        self.raised.exceptions = []
        started = self.now()
        close_old_connections()  # request_started, as the WSGI handler sends it
        try:
            response = self.clients[writer].post(
                self.url, {"section": Section.COMMON, "text": f"Nota {key}"}, HTTP_X_REQUEST_ID=key
            )
        finally:
            close_old_connections()  # request_finished
        self.record(writer, key, started, str(response.status_code), self.raised.exceptions)

    def batch(self, writer: int, number: int) -> None:
        """``BATCH`` notes in one transaction through the service, within one (emulated) request."""
        key = f"f3-w{writer}-n{number:05d}"
        request = self.requests[writer]
        request.request_id = key  # type: ignore[attr-defined]
        started = self.now()
        close_old_connections()
        try:
            with transaction.atomic():
                for index in range(BATCH):
                    case_note_add(request=request, case=self.case, section=Section.COMMON, text=f"Nota {key}/{index}")
        except Exception as exc:  # noqa: BLE001  (recorded, and judged by the test)
            self.record(writer, key, started, "raised", [exc])
        else:
            self.record(writer, key, started, "written", [])
        finally:
            close_old_connections()

    def busy(self, writer: int) -> None:
        """Writes through the page until told to stop."""
        number = 0
        while not self.stop.is_set():
            self.attempt(writer, number)
            number += 1

    def batches(self, writer: int) -> None:
        """Writes batches through the service until told to stop."""
        number = 0
        while not self.stop.is_set():
            self.batch(writer, number)
            number += 1

    def idle_through_restart(self, writer: int) -> None:
        """Writes once, waits through the restart and the grace, then writes three more times."""
        self.attempt(writer, 0)
        if not self.restarted.wait(timeout=60):
            return
        time.sleep(GRACE + 0.2)
        for number in range(1, 4):
            self.attempt(writer, number)

    def run(self, writer: int, body: Callable[[int], None]) -> None:
        try:
            body(writer)
        finally:
            connections.close_all()  # the thread's own connection, closed as the thread ends

    def succeeded(self, writer: int, after: float = 0.0) -> bool:
        with self.lock:
            return any(a.ok and a.writer == writer and a.started > after for a in self.attempts)


def _pg_ctl_restart() -> None:
    data = Path(PGDATA)
    command = [PG_CTL, "-D", str(data), "-m", "fast", "-w", "-t", "30", "-l", str(data.parent / "server.log")]
    if PG_USER:
        command = ["runuser", "-u", PG_USER, "--", *command]
    # The options the server was started with (address, port, socket directory) are in postmaster.opts.
    result = subprocess.run(  # noqa: S603  (a fixed command of the test set-up)
        [*command, "restart"], cwd=data.parent, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _server() -> tuple[str, str]:
    """The data directory and the start time of the server the application is connected to."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory'), pg_postmaster_start_time()::text")
        directory, started = cursor.fetchone()
    return directory, started


def _key(note: CaseNote) -> str:
    """The attempt that wrote the note: "Nota f3-w0-n00012" or, from a batch, "Nota f3-w4-n00003/2"."""
    return note.text.removeprefix("Nota ").split("/")[0]


def test_restart_under_load(transactional_db: None, net: Net) -> None:  # noqa: F811
    case = open_case(net)
    page_writers = {0: net.alice, 1: net.bob, 2: net.alice}
    idle, batch = 3, 4  # idle: through the page (as Bob), batch: through the service (as Alice)
    writers = Writers(
        case,
        clients={w: client_for(operator) for w, operator in {**page_writers, idle: net.bob}.items()},
        requests={batch: net.request(net.alice)},
    )
    all_writers = [*page_writers, idle, batch]
    directory, started_before = _server()
    assert Path(directory).resolve() == Path(PGDATA).resolve(), "INTRECCIO_TEST_PGDATA is not the test database's"

    got_request_exception.connect(writers.keep_exception)
    try:
        with ThreadPoolExecutor(max_workers=len(all_writers)) as pool:
            futures = [pool.submit(writers.run, w, writers.busy) for w in page_writers]
            futures.append(pool.submit(writers.run, idle, writers.idle_through_restart))
            futures.append(pool.submit(writers.run, batch, writers.batches))
            try:
                deadline = time.monotonic() + WARM_UP_TIMEOUT
                while not all(writers.succeeded(w) for w in all_writers):
                    assert time.monotonic() < deadline, [str(a) for a in writers.attempts]
                    time.sleep(0.05)
                time.sleep(0.5)
                restart_began = writers.now()
                try:
                    _pg_ctl_restart()
                finally:
                    restart_ended = writers.now()
                    writers.restarted.set()
                time.sleep(GRACE + AFTER)
            finally:
                writers.stop.set()
            for future in futures:
                future.result()
    finally:
        got_request_exception.disconnect(writers.keep_exception)

    attempts = sorted(writers.attempts, key=lambda a: a.started)
    failures = [a for a in attempts if not a.ok]
    window_closes = restart_ended + GRACE
    report = f"restart {restart_began:.2f}-{restart_ended:.2f}, {len(attempts)} attempts, {len(failures)} failed:\n"
    report += "\n".join(str(a) for a in failures)

    # Errors only in the restart window, and only the database's: a 500, the audit refusing a read it
    # cannot record (503), or the service's exception.
    assert all(a.started <= window_closes and a.ended >= restart_began for a in failures), report
    assert all(a.outcome in ("500", "503", "raised") and a.database_errors for a in failures), report
    assert all(a.errors for a in failures if a.outcome != "503"), report
    # The app recovered by itself: every writer, the idle one included, writes again after the restart.
    for w in all_writers:
        assert writers.succeeded(w, after=window_closes), f"writer {w} did not recover\n{report}"
    assert failures, f"the restart interrupted no write\n{report}"

    # The test's own connection also led to the old server: at the next request boundary the health
    # check finds that out and a new connection is opened, as for the writers.
    close_old_connections()
    directory, started_after = _server()
    assert started_after != started_before, "the server was not restarted"

    # No partial writes. Every acknowledged write is there, whole; a failed one left nothing, unless it
    # failed only after its writes were complete (then they are there, whole); a batch is all or nothing.
    notes = list(CaseNote.objects.filter(case=case))
    written = Counter(_key(note) for note in notes)
    by_key = {a.key: a for a in attempts}
    assert set(written) <= set(by_key), set(written) - set(by_key)
    expected = {a.key: BATCH if a.writer == batch else 1 for a in attempts}
    assert not {key: n for key, n in written.items() if n != expected[key]}, "partial or repeated writes"
    assert {a.key for a in attempts if a.ok} <= set(written), report
    left_behind = [str(by_key[key]) for key in written if not by_key[key].ok and not by_key[key].late_failure]
    assert not left_behind, left_behind
    # Each note has its domain event, written by the same attempt, and there is no other.
    events = DomainEvent.objects.filter(action="cases.note.added", target_id=str(case.pk))
    assert {event.payload["note"]: event.request_id for event in events} == {note.pk: _key(note) for note in notes}
    assert events.count() == len(notes)
    chains = verify_all()
    assert all(chain.ok for chain in chains), [problem for chain in chains for problem in chain.problems]
