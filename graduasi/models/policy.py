"""The dated programme policy the ministry edits (DESIGN §5)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _amount(label: StrOrPromise) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, help_text=_("Rupiah per tahun."))


def _small(label: StrOrPromise, help_text: StrOrPromise = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, help_text=help_text)


class PolicyVersion(models.Model):
    """Programme values in force from `valid_from` until the next version's date.

    Field names are those of graduasi.rules.Policy, which graduasi.selectors builds from a row.
    """

    valid_from = models.DateField(_("berlaku mulai"), unique=True)
    amount_ibu_hamil = _amount(_("nominal ibu hamil/nifas"))
    amount_anak_usia_dini = _amount(_("nominal anak usia dini"))
    amount_sd = _amount(_("nominal anak SD"))
    amount_smp = _amount(_("nominal anak SMP"))
    amount_sma = _amount(_("nominal anak SMA"))
    amount_lansia = _amount(_("nominal lanjut usia"))
    amount_disabilitas_berat = _amount(_("nominal disabilitas berat"))
    nifas_days = _small(_("masa nifas (hari)"), _("Hari setelah persalinan yang masih dibayar."))
    anak_usia_dini_max_age = _small(_("usia maksimal anak usia dini (tahun)"))
    school_max_age = _small(_("usia maksimal anak sekolah (tahun)"))
    lansia_min_age = _small(
        _("usia minimal lansia (tahun)"),
        _("Peraturan menyebut 60 tahun; praktik membayar mulai 70 tahun."),
    )
    max_components = _small(_("jumlah komponen maksimal per KPM"))
    tahap_per_year = _small(_("tahap per tahun"))
    poverty_line_multiplier = models.DecimalField(
        _("pengali garis kemiskinan"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Sejahtera bila pendapatan per anggota >= garis kemiskinan x pengali."),
    )
    desil_ceiling = _small(
        _("batas desil"), _("Sejahtera bila desil DTSEN terakhir di atas batas ini.")
    )
    max_years_in_pkh = _small(_("lama maksimal di PKH (tahun)"))
    yearly_graduation_target = _small(_("target graduasi per pendamping per tahun"))
    assessment_max_age_months = _small(_("umur maksimal asesmen ekonomi (bulan)"))
    sejahtera_evidence_max_age_months = _small(_("umur maksimal bukti graduasi sejahtera (bulan)"))
    min_school_attendance_pct = models.PositiveSmallIntegerField(
        _("kehadiran sekolah minimal (%)"),
        default=85,
        help_text=_(
            "Verifikasi komitmen: di bawah angka ini anak sekolah tidak memenuhi komitmen."
        ),
    )
    school_leaving_age = models.PositiveSmallIntegerField(
        _("usia lulus SMA (tahun)"),
        default=18,
        help_text=_("Untuk perkiraan graduasi alamiah: anak diperkirakan lulus SMA pada usia ini."),
    )
    fallback_desil_max = models.PositiveSmallIntegerField(
        _("desil berisiko kembali miskin"),
        default=2,
        help_text=_(
            "KPM graduasi berisiko kembali miskin bila desil DTSEN sesudah graduasi sama dengan "
            "atau di bawah angka ini."
        ),
    )
    source = models.CharField(_("sumber"), max_length=200)
    notes = models.TextField(_("catatan"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dibuat oleh"),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("versi kebijakan")
        verbose_name_plural = _("versi kebijakan")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                name="policy_version_tahap_1_to_12", condition=Q(tahap_per_year__range=(1, 12))
            ),
            models.CheckConstraint(
                name="policy_version_desil_1_to_10", condition=Q(desil_ceiling__range=(1, 10))
            ),
            models.CheckConstraint(
                name="policy_version_fallback_desil_1_to_10",
                condition=Q(fallback_desil_max__range=(1, 10)),
            ),
            models.CheckConstraint(
                name="policy_version_multiplier_positive",
                condition=Q(poverty_line_multiplier__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Kebijakan')} {self.valid_from:%Y-%m-%d}"
