"""A pytest plugin (`-p tests.nik_log_scan`): no log line of the whole test run carries a NIK.

Each record any logger emits during the run is written, at the moment it is logged, the way
the project's console handler (LOGGING in config/settings.py) would write it: through that
handler's own filters and formatter, as they are at that moment. A line that still holds a run
of 16 digits fails the session once the tests have run (exit status 1), with each test and its
offending line listed, the digits masked in the report itself. The suite thereby exercises the
NIK filter on everything it logs: Django's "Not Found" lines, database errors, the project's
own messages. Without a console handler (no Django), lines are checked as logged, unfiltered.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator

import pytest

NIK_RUN = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
CONSOLE = "console"  # the handler's name in LOGGING
SHOWN = 50  # offending lines listed at most
OUTSIDE_TESTS = "(di luar tes)"


def masked(line: str) -> str:
    return NIK_RUN.sub(r"\1********\2", line)


class NikLogScan(logging.Handler):
    """Writes every record as the console handler would, and keeps the lines holding a NIK."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.test = OUTSIDE_TESTS
        self.found: dict[tuple[str, str], None] = {}  # ordered, without repeats
        self._plain = logging.Formatter("%(levelname)s %(name)s %(message)s")

    @staticmethod
    def console() -> logging.Handler | None:
        return next((h for h in logging.getLogger().handlers if h.name == CONSOLE), None)

    def emit(self, record: logging.LogRecord) -> None:
        console = self.console()
        try:
            if console is None:
                line = self._plain.format(record)
            elif not console.filter(record):
                return
            else:
                line = console.format(record)
        except Exception:  # a malformed record: logging itself reports it
            return
        for text in line.splitlines():
            if NIK_RUN.search(text):
                self.found[(self.test, masked(text)[:300])] = None


class NikLogScanPlugin:
    def __init__(self) -> None:
        self.scan = NikLogScan()
        self.loggers: list[logging.Logger] = []

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """On the root logger, and on every logger that keeps its records to itself."""
        self.loggers = [logging.getLogger()] + [
            logger
            for logger in logging.Logger.manager.loggerDict.values()
            if isinstance(logger, logging.Logger) and not logger.propagate and logger.handlers
        ]
        for logger in self.loggers:
            logger.addHandler(self.scan)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        self.scan.test = item.nodeid
        try:
            return (yield)
        finally:
            self.scan.test = OUTSIDE_TESTS

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        for logger in self.loggers:
            logger.removeHandler(self.scan)
        if self.scan.found and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        found = list(self.scan.found)
        if not found:
            return
        terminalreporter.section("NIK in log lines", sep="=", red=True, bold=True)
        terminalreporter.line(
            f"{len(found)} log line(s) carried a 16-digit NIK after the project's log filters "
            "(shown masked here); the run fails."
        )
        for test, line in found[:SHOWN]:
            terminalreporter.line(f"{test}: {line}", red=True)
        if len(found) > SHOWN:
            terminalreporter.line(f"... and {len(found) - SHOWN} more")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(NikLogScanPlugin(), "nik_log_scan_session")
