"""Forms sent with an idempotency key, above all those replayed from a phone's offline queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SubmissionKind(models.TextChoices):
    COMMITMENT = "komitmen", _("Verifikasi komitmen")
    ROLL_CALL = "kehadiran", _("Daftar hadir P2K2")


class Submission(models.Model):
    """One accepted submission of the commitment grid or a P2K2 roll-call, kept by its key:
    a replay of the same key finds it and writes nothing. (A visit keeps its key on the
    visit itself.)"""

    key = models.UUIDField(primary_key=True, editable=False)
    kind = models.CharField(max_length=10, choices=SubmissionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kpm = models.ForeignKey(
        "kpm.Kpm", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    month = models.DateField(null=True, blank=True)
    meeting = models.ForeignKey(
        "pendamping.P2k2Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    written = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kiriman formulir")
        verbose_name_plural = _("kiriman formulir")
        constraints = [
            models.CheckConstraint(
                name="submission_names_its_record",
                condition=Q(kind="komitmen", kpm__isnull=False, month__isnull=False)
                | Q(kind="kehadiran", meeting__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
