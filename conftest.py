"""Project-wide pytest fixtures: the browser set-up for Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests: no per-example deadline (a shared CI machine is slow at times), and in CI a
# fixed sequence of examples, so that a run is reproducible and a red CI means a real regression;
# local runs keep exploring new examples.
hypothesis_settings.register_profile("intreccio", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "intreccio")

# Transactional and live-server tests end with a flush that the audit triggers refuse and that
# the change-history triggers would copy into the history.
pytest_plugins = ["intreccio.audit.tests.pytest_plugin", "intreccio.history.tests.pytest_plugin"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], browser_name: str) -> dict[str, Any]:
    """Use the system's Chromium (no browser downloads here) with flags for a closed network."""
    if browser_name != "chromium":
        return browser_type_launch_args
    executable = os.environ.get("INTRECCIO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _live_server_one_request_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """Serve one request at a time in browser tests.

    A case page loads its panels with several htmx requests at once; the in-memory SQLite the
    live server shares between its threads answers concurrent writes (the access records) with
    "database table is locked", and the audit middleware then rightly refuses the read with 503.
    Production uses a file database in WAL mode or PostgreSQL, where this does not happen.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    httpd = request.getfixturevalue("live_server").thread.httpd
    application = httpd.get_app()
    lock = threading.Lock()

    def serialised(environ: dict[str, Any], start_response: Any) -> Any:
        with lock:
            response = application(environ, start_response)
            # Read and closed inside the lock: a streamed body and request_finished touch the database.
            try:
                return [b"".join(response)]
            finally:
                response.close()

    httpd.set_app(serialised)
    try:
        yield
    finally:
        httpd.set_app(application)
