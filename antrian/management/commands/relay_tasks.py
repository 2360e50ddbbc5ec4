"""manage.py relay_tasks: send the background tasks that wait in the outbox, oldest first."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from antrian.services import messages_relay


class Command(BaseCommand):
    help = (
        "Send the background tasks that are waiting in the outbox (queued while the broker "
        "was unreachable), oldest first. Exits with an error when the broker does not answer."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = messages_relay()
        self.stdout.write(f"{report.sent} task(s) sent, {report.waiting} waiting.")
        if report.failed:
            raise CommandError("The broker did not answer; the rest waits for the next relay.")
