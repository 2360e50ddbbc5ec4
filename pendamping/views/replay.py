"""Answers to a form sent by the phone's offline queue (static/js/luring.js marks it with the
header `X-Antrian: 1`): JSON the queue reads, in place of the page a person would see.

    tersimpan (200)  saved now, or already saved under this key (`ulang`: true)
    konflik   (409)  the server's data changed since the form was opened: both sides, and the
                     base versions that resending carries to keep the pendamping's values
    ditolak   (400)  refused: the reasons, in words a field worker understands
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, JsonResponse

from config.errors import ConflictError

REPLAY_HEADER = "HTTP_X_ANTRIAN"


def is_replay(request: HttpRequest) -> bool:
    """Whether the offline queue sent this request and waits for JSON."""
    return request.META.get(REPLAY_HEADER) == "1"


def replay_saved(*, message: str, back: str, replayed: bool) -> JsonResponse:
    return JsonResponse(
        {"status": "tersimpan", "pesan": message, "kembali": back, "ulang": replayed}
    )


def replay_conflict(exc: ConflictError) -> JsonResponse:
    body = {
        "status": "konflik",
        "pesan": exc.message,
        "beda": [d.as_dict() for d in exc.differences],
        "versi": exc.versions,
    }
    return JsonResponse(body, status=409)


def replay_refused(*, form: forms.Form | None = None, message: str = "") -> JsonResponse:
    """A refusal with every reason: the service's message, or each field's errors by label."""
    reasons = [message] if message else []
    if form is not None:
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            label = f"{field.label}: " if field is not None and field.label else ""
            reasons += [f"{label}{error}" for error in errors]
    return JsonResponse(
        {"status": "ditolak", "pesan": reasons[0] if reasons else "", "galat": reasons}, status=400
    )
