"""What the nightly pipeline writes: each active KPM's assessment, each pendamping's progress
toward the yearly target, and the roll-ups per region that dashboards read."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pengguna.scoping import ScopedQuerySet, kpm_visibility, pendamping_visibility


class AssessmentStatus(models.TextChoices):
    """DESIGN §5; the first that holds in this order is the KPM's status."""

    ALAMIAH = "alamiah", _("Graduasi alamiah")
    SEJAHTERA = "sejahtera", _("Graduasi sejahtera")
    TINJAU = "tinjau", _("Perlu ditinjau")
    BELUM = "belum", _("Belum")


# Statuses that make an active KPM a candidate for a graduation proposal.
CANDIDATE_STATUSES = (AssessmentStatus.ALAMIAH, AssessmentStatus.SEJAHTERA)


class KpmAssessmentQuerySet(ScopedQuerySet["KpmAssessment"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class KpmAssessment(models.Model):
    """The latest assessment of one active KPM. Rewritten only when something in it changes,
    so a rerun over unchanged facts writes nothing."""

    kpm = models.OneToOneField(
        "kpm.Kpm",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="graduation_assessment",
        verbose_name=_("KPM"),
    )
    status = models.CharField(_("status graduasi"), max_length=10, choices=AssessmentStatus)
    # [{"code": ..., "holds": bool, "values": {...}}]: every test with the values that decided it
    reasons = models.JSONField(_("alasan"), default=list)
    component_count = models.PositiveSmallIntegerField(_("jumlah komponen"))
    yearly_benefit = models.PositiveIntegerField(_("bantuan per tahun"))
    per_tahap = models.PositiveIntegerField(_("bantuan per tahap"))
    projected_graduation = models.DateField(_("perkiraan graduasi alamiah"), null=True, blank=True)
    status_since = models.DateField(_("status sejak"))
    run = models.ForeignKey(
        "graduasi.PipelineRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proses yang terakhir mengubah"),
    )
    updated_at = models.DateTimeField(_("diperbarui"))

    objects = KpmAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("asesmen graduasi")
        verbose_name_plural = _("asesmen graduasi")
        ordering = ["kpm_id"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.kpm_id}: {self.status}"


class TargetProgressQuerySet(ScopedQuerySet["TargetProgress"]):
    scope_rule = staticmethod(pendamping_visibility)
    scope_path = "pendamping"


class TargetProgress(models.Model):
    """One pendamping's year to date toward the yearly graduation target."""

    pendamping = models.ForeignKey(
        "pendamping.Pendamping",
        on_delete=models.CASCADE,
        related_name="target_progress",
        verbose_name=_("pendamping"),
    )
    year = models.PositiveSmallIntegerField(_("tahun"))
    target = models.PositiveSmallIntegerField(_("target"))
    approved = models.PositiveIntegerField(_("graduasi disetujui"))
    pending = models.PositiveIntegerField(_("usulan menunggu keputusan"))
    candidates = models.PositiveIntegerField(_("calon tanpa usulan"))
    active_kpm = models.PositiveIntegerField(_("KPM aktif"))
    on_track = models.BooleanField(_("sesuai jadwal"))
    updated_at = models.DateTimeField(_("diperbarui"))

    objects = TargetProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("capaian target")
        verbose_name_plural = _("capaian target")
        ordering = ["-year", "pendamping_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pendamping", "year"], name="target_progress_one_per_pendamping_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pendamping_id} {self.year}: {self.approved}/{self.target}"


class RegionLevel(models.TextChoices):
    NATION = "nasional", _("Nasional")
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten/kota")
    KECAMATAN = "kecamatan", _("Kecamatan")


class RegionSummary(models.Model):
    """Year-to-date counts of one region, written by the pipeline's last stage. The nation's
    row has the empty code. Targets belong to pendamping, who work for a kabupaten: a
    kecamatan has no target of its own (NULL)."""

    level = models.CharField(_("tingkat"), max_length=10, choices=RegionLevel)
    region_code = models.CharField(_("kode wilayah"), max_length=8, blank=True)
    year = models.PositiveSmallIntegerField(_("tahun"))
    active_kpm = models.PositiveIntegerField(_("KPM aktif"))
    alamiah = models.PositiveIntegerField(_("asesmen alamiah"))
    sejahtera = models.PositiveIntegerField(_("asesmen sejahtera"))
    tinjau = models.PositiveIntegerField(_("asesmen tinjau"))
    belum = models.PositiveIntegerField(_("asesmen belum"))
    candidates = models.PositiveIntegerField(_("calon tanpa usulan"))
    pending = models.PositiveIntegerField(_("usulan menunggu keputusan"))
    approved = models.PositiveIntegerField(_("graduasi disetujui tahun ini"))
    yearly_benefit = models.PositiveBigIntegerField(_("bantuan per tahun"))
    pendamping_count = models.PositiveIntegerField(_("jumlah pendamping"), null=True)
    pendamping_on_track = models.PositiveIntegerField(_("pendamping sesuai jadwal"), null=True)
    target = models.PositiveIntegerField(_("target graduasi"), null=True)
    updated_at = models.DateTimeField(_("diperbarui"))

    class Meta:
        verbose_name = _("rekap wilayah")
        verbose_name_plural = _("rekap wilayah")
        ordering = ["-year", "level", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "region_code", "year"], name="region_summary_one_per_region_year"
            ),
            models.CheckConstraint(
                name="region_summary_nation_has_no_code",
                condition=Q(level="nasional", region_code="") | ~Q(level="nasional"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.region_code or '-'} {self.year}"
