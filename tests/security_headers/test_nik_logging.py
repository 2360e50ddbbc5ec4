"""NIK never reaches a log line: the filter every handler in LOGGING carries masks it, as
kpm.rules.mask_nik does, in the message, its arguments and a traceback; and the test run's own
scan (tests/nik_log_scan.py) fails a run whose log lines would still hold one."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.logging import MaskNikFilter, mask_niks
from kpm.rules import mask_nik

ROOT = Path(__file__).resolve().parents[2]
NIK = "3571015808780002"
MASKED = "3571********0002"


def filtered(msg: object, *args: object) -> logging.LogRecord:
    record = logging.LogRecord("uji", logging.WARNING, __file__, 1, msg, args, None)
    assert MaskNikFilter().filter(record) is True  # masks, never drops
    return record


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NIK, MASKED),
        (f"Not Found: /kpm/?q={NIK}", f"Not Found: /kpm/?q={MASKED}"),
        (f"NIK {NIK} dan {NIK[::-1]}", f"NIK {MASKED} dan 2000********1753"),
        (f"nik={NIK}&x=1", f"nik={MASKED}&x=1"),
        ("357101580878000", "357101580878000"),  # 15 digits: not a NIK
        ("35710158087800021", "35710158087800021"),  # 17 digits: not a NIK
        ("3571 0158 0878 0002", "3571 0158 0878 0002"),  # a person typing: no 16-digit run
        ("tanpa angka", "tanpa angka"),
    ],
)
def test_mask_niks_hides_every_16_digit_run(text, expected):
    assert mask_niks(text) == expected


def test_the_mask_is_the_one_the_pages_show():
    assert mask_niks(NIK) == mask_nik(NIK)


def test_the_filter_masks_the_message_and_its_arguments():
    assert filtered("Mencari %s", NIK).getMessage() == f"Mencari {MASKED}"
    assert filtered(f"NIK {NIK}").getMessage() == f"NIK {MASKED}"
    assert filtered("NIK %d ganda", int(NIK)).getMessage() == f"NIK {MASKED} ganda"
    assert filtered("%(nik)s", {"nik": NIK}).getMessage() == MASKED


def test_a_record_without_a_nik_is_left_as_it_was():
    record = filtered("KPM %s: %d anggota", "KDR-OWN", 4)
    assert (record.msg, record.args) == ("KPM %s: %d anggota", ("KDR-OWN", 4))


def test_a_malformed_call_still_shows_no_nik():
    record = filtered(f"{NIK} %s %s", NIK)
    assert record.msg == f"{MASKED} %s %s" and record.args == (MASKED,)


def test_the_traceback_text_is_masked():
    try:
        raise ValueError(f"duplicate key value violates unique constraint: (nik)=({NIK})")
    except ValueError:
        record = logging.LogRecord("uji", logging.ERROR, __file__, 1, "gagal", (), sys.exc_info())
    MaskNikFilter().filter(record)
    assert record.exc_text is not None
    assert MASKED in record.exc_text and NIK not in record.exc_text


@pytest.fixture
def console_output() -> Iterator[io.StringIO]:
    """What the project's configured console handler writes, for the duration of a test."""
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    assert isinstance(console, logging.StreamHandler)
    out = io.StringIO()
    old = console.setStream(out)
    yield out
    console.setStream(old)


def test_every_configured_handler_carries_the_filter():
    from django.conf import settings

    handlers: dict[str, dict[str, Any]] = getattr(settings, "LOGGING")["handlers"]  # noqa: B009
    assert handlers and all("mask_nik" in h.get("filters", []) for h in handlers.values())
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    assert any(isinstance(f, MaskNikFilter) for f in console.filters)
    server = [h for h in logging.getLogger("django.server").handlers if h.name == "django.server"]
    assert server and all(any(isinstance(f, MaskNikFilter) for f in h.filters) for h in server)


def test_djangos_not_found_line_for_a_searched_nik_is_masked(client, world, console_output):
    client.force_login(world.pendamping_kota.user)

    response = client.get(f"/kpm/{NIK}/", {"q": NIK})

    assert response.status_code == 404
    written = console_output.getvalue()
    assert f"Not Found: /kpm/{MASKED}/" in written
    assert NIK not in written


def test_a_celery_workers_handlers_get_the_filter_too():
    from celery.signals import after_setup_logger

    logger = logging.getLogger("uji.celery")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO)
        assert sum(isinstance(f, MaskNikFilter) for f in handler.filters) == 1
        after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO)
        assert sum(isinstance(f, MaskNikFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)


# The scan of the test run -------------------------------------------------------------------

TINY_TESTS = """
import logging

NIK = "3571015808780002"


def test_logs_through_the_project_filter():
    logging.getLogger("kpm.uji").warning("Mencari %s", NIK)


def test_logs_with_the_filter_taken_off():
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    saved = list(console.filters)
    console.filters.clear()
    try:
        logging.getLogger("kpm.uji").warning("Tanpa penyaring %s", NIK)
    finally:
        console.filters[:] = saved
"""


def run_pytest(tmp_path: Path, *selected: str) -> subprocess.CompletedProcess[str]:
    """pytest with the project's configuration (so Django's LOGGING and the scan) on a tiny
    test file outside the suite."""
    tiny = tmp_path / "test_tiny_logging.py"
    tiny.write_text(textwrap.dedent(TINY_TESTS))
    targets = [f"{tiny}::{name}" for name in selected] or [str(tiny)]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-c",
         str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT), *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip


def test_the_scan_fails_a_run_whose_log_line_carries_a_nik(tmp_path):
    result = run_pytest(tmp_path)

    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "2 passed" in out
    assert "NIK in log lines" in out
    assert "test_logs_with_the_filter_taken_off: " in out
    assert f"WARNING kpm.uji Tanpa penyaring {MASKED}" in out
    assert "test_logs_through_the_project_filter:" not in out
    assert NIK not in out


def test_the_scan_passes_a_run_whose_niks_were_masked(tmp_path):
    result = run_pytest(tmp_path, "test_logs_through_the_project_filter")

    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "NIK in log lines" not in out
