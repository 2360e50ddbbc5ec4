"""Browser tests in this folder drive Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import needs_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A live server needs a transactional database, which is emptied after each test. The
# region tables are loaded once per session (tests/conftest.py), so leave them out of the
# apps whose tables are emptied; every other app is flushed as usual.
LIVE_APPS = [app for app in settings.INSTALLED_APPS if app != "wilayah"]
live_db = pytest.mark.django_db(transaction=True, available_apps=LIVE_APPS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        needs_service("Chromium", "apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A pendamping's phone asks for Indonesian; Chromium would otherwise send en-US.
    return {**browser_context_args, "locale": "id-ID"}
