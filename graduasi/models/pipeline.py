"""The record of each nightly pipeline run, shown to admins."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "berjalan", _("Berjalan")
    DONE = "selesai", _("Selesai")
    FAILED = "gagal", _("Gagal")
    INTERRUPTED = "terputus", _("Terputus")


class RunTrigger(models.TextChoices):
    SCHEDULE = "jadwal", _("Jadwal malam")
    COMMAND = "perintah", _("Perintah manage.py assess")


class PipelineRun(models.Model):
    """One run of the three stages for one as_of date: when, how long each stage took, how
    many KPM were assessed, changed and failed."""

    as_of = models.DateField(_("per tanggal"))
    trigger = models.CharField(_("pemicu"), max_length=10, choices=RunTrigger)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("mulai"))
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    assess_seconds = models.FloatField(_("tahap 1: asesmen (detik)"), null=True, blank=True)
    target_seconds = models.FloatField(_("tahap 2: target (detik)"), null=True, blank=True)
    rollup_seconds = models.FloatField(_("tahap 3: rekap wilayah (detik)"), null=True, blank=True)
    risk_seconds = models.FloatField(
        _("tahap 4: risiko kembali miskin (detik)"), null=True, blank=True
    )
    assessed = models.PositiveIntegerField(_("KPM diases"), default=0)
    changed = models.PositiveIntegerField(_("asesmen berubah"), default=0)
    failed = models.PositiveIntegerField(_("KPM gagal diases"), default=0)
    targets_changed = models.PositiveIntegerField(_("capaian target berubah"), default=0)
    summaries_changed = models.PositiveIntegerField(_("rekap wilayah berubah"), default=0)
    risks_changed = models.PositiveIntegerField(_("tanda risiko berubah"), default=0)
    # The first failures: [{"kpm": <the KPM's database id>, "error": ...}]
    failures = models.JSONField(_("kegagalan"), default=list, blank=True)
    error = models.TextField(_("galat"), blank=True)

    class Meta:
        verbose_name = _("proses malam")
        verbose_name_plural = _("proses malam")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["as_of", "status"])]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.get_status_display()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class PipelineBatch(models.Model):
    """One slice of a run's assessment stage: an inclusive range of active KPM ids. Any
    process taking part in the run claims the next open batch (a row lock skipped by the
    others), assesses it and marks it done in the same transaction, so a process that dies
    mid-batch leaves it open for another."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="batches")
    first_kpm = models.IntegerField(_("ID KPM pertama"))
    last_kpm = models.IntegerField(_("ID KPM terakhir"))
    done = models.BooleanField(_("selesai"), default=False)
    taken_by = models.CharField(_("dikerjakan oleh"), max_length=100, blank=True)
    assessed = models.PositiveIntegerField(_("KPM diases"), default=0)
    changed = models.PositiveIntegerField(_("asesmen berubah"), default=0)
    failures = models.JSONField(_("kegagalan"), default=list, blank=True)

    class Meta:
        verbose_name = _("batch proses malam")
        verbose_name_plural = _("batch proses malam")
        ordering = ["run_id", "first_kpm"]
        indexes = [models.Index(fields=["run", "done"])]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.first_kpm}-{self.last_kpm}"
