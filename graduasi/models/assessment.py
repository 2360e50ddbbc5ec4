"""What the nightly pipeline writes: each active KPM's assessment, each pendamping's progress
toward the yearly target, and the roll-ups per region that dashboards read."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
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
    PENDAMPING = "pendamping", _("Pendamping")


# Buckets of the distribution of pendamping by graduations approved this year: 0, 1, ... 9, 10+.
PROGRESS_BUCKETS = 11


def _area_constraints(prefix: str) -> list[models.BaseConstraint]:
    """A row is either a region (no pendamping; the nation has the empty code) or one
    pendamping's caseload (its kabupaten's code)."""
    return [
        models.CheckConstraint(
            name=f"{prefix}_nation_has_no_code",
            condition=Q(level="nasional", region_code="") | ~Q(level="nasional"),
        ),
        models.CheckConstraint(
            name=f"{prefix}_pendamping_level",
            condition=Q(level="pendamping", pendamping__isnull=False)
            | (~Q(level="pendamping") & Q(pendamping__isnull=True)),
        ),
    ]


class AreaRow(models.Model):
    """A row about one area: a region (no pendamping; the nation has the empty code) or one
    pendamping's caseload (with their kabupaten's code)."""

    level = models.CharField(_("tingkat"), max_length=10, choices=RegionLevel)
    region_code = models.CharField(_("kode wilayah"), max_length=8, blank=True)
    pendamping = models.ForeignKey(
        "pendamping.Pendamping",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pendamping"),
    )

    class Meta:
        abstract = True


class RegionSummary(AreaRow):
    """Year-to-date counts of one region, or of one pendamping's caseload, written by the
    pipeline's roll-up stage; the dashboards read these rows and never the case tables.
    KPM counts follow the KPM's own region (or pendamping). Targets belong to pendamping, who
    work for a kabupaten: a kecamatan has no target of its own (NULL). Counts "in the last
    N days" run up to the run's as_of date."""

    year = models.PositiveSmallIntegerField(_("tahun"))
    active_kpm = models.PositiveIntegerField(_("KPM aktif"))
    alamiah = models.PositiveIntegerField(_("asesmen alamiah"))
    sejahtera = models.PositiveIntegerField(_("asesmen sejahtera"))
    tinjau = models.PositiveIntegerField(_("asesmen tinjau"))
    belum = models.PositiveIntegerField(_("asesmen belum"))
    candidates = models.PositiveIntegerField(_("calon tanpa usulan"))
    candidates_alamiah = models.PositiveIntegerField(_("calon alamiah tanpa usulan"), default=0)
    candidates_sejahtera = models.PositiveIntegerField(_("calon sejahtera tanpa usulan"), default=0)
    pending = models.PositiveIntegerField(_("usulan menunggu keputusan"))
    awaiting = models.PositiveIntegerField(_("usulan diajukan, belum diputuskan"), default=0)
    awaiting_median_days = models.FloatField(_("median umur usulan (hari)"), null=True)
    awaiting_oldest_days = models.PositiveIntegerField(_("umur usulan tertua (hari)"), null=True)
    approved = models.PositiveIntegerField(_("graduasi disetujui tahun ini"))
    graduated = models.PositiveIntegerField(_("KPM graduasi (semua tahun)"), default=0)
    at_risk = models.PositiveIntegerField(_("KPM graduasi berisiko kembali miskin"), default=0)
    referrals_dirujuk = models.PositiveIntegerField(_("rujukan dirujuk"), default=0)
    referrals_diterima = models.PositiveIntegerField(_("rujukan diterima"), default=0)
    referrals_berjalan = models.PositiveIntegerField(_("rujukan berjalan"), default=0)
    referrals_ditolak = models.PositiveIntegerField(_("rujukan ditolak"), default=0)
    referrals_selesai = models.PositiveIntegerField(_("rujukan selesai"), default=0)
    p2k2_members = models.PositiveIntegerField(_("KPM aktif dalam kelompok P2K2"), default=0)
    p2k2_attended = models.PositiveIntegerField(_("KPM aktif hadir P2K2 dalam 90 hari"), default=0)
    visits_30d = models.PositiveIntegerField(_("kunjungan dalam 30 hari"), default=0)
    kpm_visited_30d = models.PositiveIntegerField(
        _("KPM aktif dikunjungi dalam 30 hari"), default=0
    )
    yearly_benefit = models.PositiveBigIntegerField(_("bantuan per tahun"))
    tahap_benefit = models.PositiveBigIntegerField(_("bantuan per tahap"), default=0)
    pendamping_count = models.PositiveIntegerField(_("jumlah pendamping"), null=True)
    pendamping_on_track = models.PositiveIntegerField(_("pendamping sesuai jadwal"), null=True)
    target = models.PositiveIntegerField(_("target graduasi"), null=True)
    # Pendamping by graduations approved this year: 0, 1, ..., 9, 10 or more (NULL for a
    # kecamatan or a single pendamping).
    progress_histogram = ArrayField(
        models.PositiveIntegerField(), size=PROGRESS_BUCKETS, null=True,
        verbose_name=_("sebaran capaian pendamping"),
    )  # fmt: skip
    # For a pendamping's row: the kecamatan of their active caseload (the drill-down from a
    # kecamatan lists the pendamping working there).
    kecamatan_codes = ArrayField(
        models.CharField(max_length=8), default=list, blank=True,
        verbose_name=_("kecamatan dampingan"),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("diperbarui"))

    class Meta:
        verbose_name = _("rekap wilayah")
        verbose_name_plural = _("rekap wilayah")
        ordering = ["-year", "level", "region_code", "pendamping_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "region_code", "pendamping", "year"],
                name="region_summary_one_per_area_year",
                nulls_distinct=False,
            ),
            *_area_constraints("region_summary"),
        ]
        indexes = [
            GinIndex(fields=["kecamatan_codes"], name="region_summary_kecamatan_gin"),
        ]

    def __str__(self) -> str:
        who = f" p{self.pendamping_id}" if self.pendamping_id else ""
        return f"{self.level} {self.region_code or '-'}{who} {self.year}"


class RegionMonth(AreaRow):
    """One month of one region (or pendamping): the graduations approved and the exits
    recorded in it, recomputed every night for the whole year, and a snapshot of the
    month's state (active KPM, benefit per tahap) kept from the last run within the month,
    so past months and tahap keep what was true then."""

    year = models.PositiveSmallIntegerField(_("tahun"))
    month = models.PositiveSmallIntegerField(_("bulan"))
    graduated_alamiah = models.PositiveIntegerField(_("graduasi alamiah"), default=0)
    graduated_sejahtera = models.PositiveIntegerField(_("graduasi sejahtera"), default=0)
    graduated_mandiri = models.PositiveIntegerField(_("graduasi mandiri"), default=0)
    exits = models.PositiveIntegerField(_("keluar bukan graduasi"), default=0)
    snapshot_on = models.DateField(_("keadaan per tanggal"), null=True)
    active_kpm = models.PositiveIntegerField(_("KPM aktif"), null=True)
    tahap_benefit = models.PositiveBigIntegerField(_("bantuan per tahap"), null=True)
    updated_at = models.DateTimeField(_("diperbarui"))

    class Meta:
        verbose_name = _("rekap bulanan")
        verbose_name_plural = _("rekap bulanan")
        ordering = ["-year", "level", "region_code", "pendamping_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "region_code", "pendamping", "year", "month"],
                name="region_month_one_per_area_month",
                nulls_distinct=False,
            ),
            models.CheckConstraint(name="region_month_1_to_12", condition=Q(month__range=(1, 12))),
            *_area_constraints("region_month"),
        ]

    def __str__(self) -> str:
        who = f" p{self.pendamping_id}" if self.pendamping_id else ""
        return f"{self.level} {self.region_code or '-'}{who} {self.year}-{self.month:02d}"
