"""The outbox of background tasks: each task a service queues is first a row here, written in
the service's own transaction, so a task is queued exactly when the change that asked for it
is saved. A row is sent to the broker (Redis) after the commit, at once when the broker
answers, otherwise by the relay when it is back; `sent_at` stays empty until then."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskMessage(models.Model):
    """One queued Celery task: its name and arguments, when it was queued and sent, and how
    sending went."""

    message_id = models.UUIDField(
        _("ID pesan"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Dipakai sebagai ID tugas Celery: pengiriman ulang membawa ID yang sama."),
    )
    task = models.CharField(_("tugas"), max_length=200)
    args = models.JSONField(_("argumen"), default=list, blank=True)
    kwargs = models.JSONField(_("argumen bernama"), default=dict, blank=True)
    created_at = models.DateTimeField(_("diantrikan"), default=timezone.now)
    sent_at = models.DateTimeField(_("dikirim"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("percobaan kirim"), default=0)
    last_attempt_at = models.DateTimeField(_("percobaan terakhir"), null=True, blank=True)
    last_error = models.TextField(_("galat terakhir"), blank=True)

    class Meta:
        verbose_name = _("pesan tugas")
        verbose_name_plural = _("pesan tugas")
        ordering = ["id"]
        indexes = [
            # The relay and the admin warning read only what is still waiting.
            models.Index(
                fields=["id"], name="antrian_pending_idx", condition=Q(sent_at__isnull=True)
            ),
            # Pruning reads only what was sent, oldest first.
            models.Index(
                fields=["sent_at"], name="antrian_sent_idx", condition=Q(sent_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
