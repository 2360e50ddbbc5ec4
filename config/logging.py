"""NIK never reaches a log line (UU PDP No. 27/2022).

A NIK can enter a log record from many places the code does not control: a URL Django logs
("Not Found: /kpm/?q=3571015808780002"), a database error quoting a duplicate key, an exception
message in a traceback. So masking is not left to each call site: every handler in LOGGING
carries `MaskNikFilter`, which rewrites the record itself (message, arguments, traceback text)
before any handler formats it, keeping the first and last four digits as kpm.rules.mask_nik
does. Any run of exactly 16 digits is taken for a NIK: a No KK or another 16-digit number is
masked too, which costs nothing a log reader needs.

Celery's worker replaces the root logger's handlers with its own; the signals at the bottom
put the filter on those as well.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# Exactly 16 digits, not part of a longer run of digits.
NIK_RUN = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
_TRACEBACKS = logging.Formatter()


def mask_niks(text: str) -> str:
    """`text` with every 16-digit run masked to its first and last four digits."""
    return NIK_RUN.sub(r"\1********\2", text)


def _mask_arg(arg: Any) -> Any:
    if isinstance(arg, str):
        return mask_niks(arg)
    if isinstance(arg, int) and not isinstance(arg, bool) and NIK_RUN.fullmatch(str(arg)):
        return mask_niks(str(arg))
    return arg


class MaskNikFilter(logging.Filter):
    """Masks NIKs in a record's message, arguments, traceback and stack text; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: mask the parts logging will print as they are
            record.msg = mask_niks(str(record.msg))
            if isinstance(record.args, tuple):
                record.args = tuple(_mask_arg(a) for a in record.args)
        else:
            if NIK_RUN.search(message):
                record.msg, record.args = mask_niks(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_niks(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_niks(record.stack_info)
        return True


def add_mask_filter(handler: logging.Handler) -> None:
    """Give `handler` the NIK filter unless it already has it."""
    if not any(isinstance(f, MaskNikFilter) for f in handler.filters):
        handler.addFilter(MaskNikFilter())


def _mask_celery_handlers(logger: logging.Logger | None = None, **_kwargs: Any) -> None:
    for handler in (logger or logging.getLogger()).handlers:
        add_mask_filter(handler)


try:  # importing config.logging (LOGGING does) is enough to cover a Celery worker's handlers
    from celery.signals import after_setup_logger, after_setup_task_logger
except ImportError:  # pragma: no cover - Celery is a requirement
    pass
else:
    after_setup_logger.connect(_mask_celery_handlers, weak=False)
    after_setup_task_logger.connect(_mask_celery_handlers, weak=False)
