"""Project-wide pytest fixtures: the browser set-up for Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

# Transactional and live-server tests end with a flush that the audit triggers refuse.
pytest_plugins = ["intreccio.audit.tests.pytest_plugin"]


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
