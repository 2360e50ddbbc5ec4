"""Home visits and monthly commitment verification (verifikasi komitmen)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pengguna.scoping import ScopedQuerySet, kpm_visibility


class VisitPurpose(models.TextChoices):
    DATA_UPDATE = "pemutakhiran_data", _("Pemutakhiran data")
    COMMITMENT = "verifikasi_komitmen", _("Verifikasi komitmen")
    BUSINESS = "pendampingan_usaha", _("Pendampingan usaha")
    GRADUATION = "asesmen_graduasi", _("Asesmen graduasi")
    OTHER = "lainnya", _("Lainnya")


class VisitQuerySet(ScopedQuerySet["Visit"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class Visit(models.Model):
    """A home visit by a pendamping, with what it was for and what was found."""

    kpm = models.ForeignKey("kpm.Kpm", on_delete=models.PROTECT, related_name="visits")
    pendamping = models.ForeignKey(
        "pendamping.Pendamping", on_delete=models.PROTECT, null=True, blank=True,
        related_name="visits",
    )  # fmt: skip
    visited_on = models.DateField(_("tanggal kunjungan"))
    purposes = ArrayField(
        models.CharField(max_length=24, choices=VisitPurpose.choices), verbose_name=_("tujuan")
    )
    notes = models.TextField(_("catatan"), blank=True)
    photo = models.FileField(_("foto"), upload_to="kunjungan/%Y/%m/", blank=True)
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_accuracy_m = models.PositiveIntegerField(
        _("akurasi lokasi (m)"), null=True, blank=True
    )
    # A submission replayed from an offline queue carries the same key and is stored once.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("kunjungan")
        verbose_name_plural = _("kunjungan")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["kpm", "-visited_on"])]
        constraints = [
            models.CheckConstraint(name="visit_has_a_purpose", condition=Q(purposes__len__gt=0)),
            models.CheckConstraint(
                name="visit_location_complete",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__range=(-90, 90), longitude__range=(-180, 180)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpm_id} {self.visited_on}"


class CommitmentKind(models.TextChoices):
    SCHOOL = "sekolah", _("Kehadiran sekolah")
    HEALTH = "kesehatan", _("Pemeriksaan kesehatan")


class CommitmentQuerySet(ScopedQuerySet["CommitmentVerification"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class CommitmentVerification(models.Model):
    """One member's commitment in one month: school attendance, or a health check-up."""

    kpm = models.ForeignKey("kpm.Kpm", on_delete=models.PROTECT, related_name="commitments")
    anggota = models.ForeignKey("kpm.Anggota", on_delete=models.PROTECT, related_name="commitments")
    month = models.DateField(_("bulan"), help_text=_("Hari pertama bulan itu."))
    kind = models.CharField(_("jenis"), max_length=10, choices=CommitmentKind.choices)
    attendance_pct = models.PositiveSmallIntegerField(
        _("kehadiran sekolah (%)"), null=True, blank=True
    )
    checkup_done = models.BooleanField(_("pemeriksaan dilakukan"), null=True, blank=True)
    compliant = models.BooleanField(_("memenuhi komitmen"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("verifikasi komitmen")
        verbose_name_plural = _("verifikasi komitmen")
        ordering = ["-month", "anggota_id"]
        indexes = [models.Index(fields=["kpm", "-month"])]
        constraints = [
            models.UniqueConstraint(fields=["anggota", "month"], name="commitment_one_per_month"),
            models.CheckConstraint(name="commitment_month_first_day", condition=Q(month__day=1)),
            models.CheckConstraint(
                name="commitment_fact_fits_kind",
                condition=(
                    Q(
                        kind="sekolah",
                        attendance_pct__isnull=False,  # NULL would pass the range test
                        attendance_pct__range=(0, 100),
                        checkup_done__isnull=True,
                    )
                    | Q(kind="kesehatan", attendance_pct__isnull=True, checkup_done__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.anggota_id} {self.month:%Y-%m}"
