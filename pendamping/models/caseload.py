"""Facilitators, the desa they serve (their caseload is Kpm.pendamping), and economic
assessments of their KPM."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pengguna.scoping import ScopedQuerySet, kpm_visibility, pendamping_visibility


class PendampingQuerySet(ScopedQuerySet["Pendamping"]):
    scope_rule = staticmethod(pendamping_visibility)
    scope_path = ""


class Pendamping(models.Model):
    """A facilitator of one kabupaten, serving some of its desa; caseload: Kpm.pendamping."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pendamping_profile"
    )
    kabupaten = models.ForeignKey(
        "wilayah.Kabupaten", on_delete=models.PROTECT, related_name="+", verbose_name=_("kabupaten")
    )
    desa_served = models.ManyToManyField(
        "wilayah.Desa", blank=True, related_name="+", verbose_name=_("desa dampingan")
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PendampingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pendamping")
        verbose_name_plural = _("pendamping")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class BusinessStatus(models.TextChoices):
    NONE = "tidak_ada", _("Tidak ada usaha")
    STARTING = "rintisan", _("Baru dimulai")
    RUNNING = "berjalan", _("Berjalan")
    GROWING = "berkembang", _("Berkembang")


class AssessmentSource(models.TextChoices):
    IMPORT = "import", _("Impor")
    VISIT = "kunjungan", _("Kunjungan")


class EconomicAssessmentQuerySet(ScopedQuerySet["EconomicAssessment"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class EconomicAssessment(models.Model):
    """A household's income and livelihood as found on a date."""

    kpm = models.ForeignKey("kpm.Kpm", on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("tanggal asesmen"))
    household_income = models.PositiveBigIntegerField(_("pendapatan rumah tangga per bulan"))
    member_count = models.PositiveSmallIntegerField(_("jumlah anggota"))
    stable_income = models.BooleanField(_("penghasilan tetap"))
    business_status = models.CharField(
        _("status usaha"), max_length=12, choices=BusinessStatus.choices, blank=True
    )
    housing_condition = models.CharField(_("kondisi rumah"), max_length=200, blank=True)
    source = models.CharField(_("sumber"), max_length=10, choices=AssessmentSource.choices)
    visit = models.OneToOneField(
        "pendamping.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment",
        verbose_name=_("kunjungan"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EconomicAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("asesmen ekonomi")
        verbose_name_plural = _("asesmen ekonomi")
        ordering = ["kpm_id", "-assessed_on"]
        indexes = [models.Index(fields=["kpm", "-assessed_on"])]
        constraints = [
            models.CheckConstraint(
                name="assessment_members_positive", condition=Q(member_count__gt=0)
            ),
            models.UniqueConstraint(
                fields=["kpm", "assessed_on"],
                condition=Q(source="import"),
                name="assessment_one_import_per_kpm_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpm_id} {self.assessed_on}"

    @property
    def income_per_member(self) -> int:
        return self.household_income // self.member_count
