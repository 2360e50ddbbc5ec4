"""Regions (Kemendagri codes with dots) and the BPS poverty line per province."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Provinsi(models.Model):
    code = models.CharField(_("kode"), max_length=2, primary_key=True)
    name = models.CharField(_("nama"), max_length=255)

    class Meta:
        verbose_name = _("provinsi")
        verbose_name_plural = _("provinsi")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Kabupaten(models.Model):
    """Kabupaten or kota: codes 71-99 after the province are kota."""

    code = models.CharField(_("kode"), max_length=5, primary_key=True)
    provinsi = models.ForeignKey(Provinsi, on_delete=models.PROTECT, related_name="kabupaten")
    name = models.CharField(_("nama"), max_length=255)

    class Meta:
        verbose_name = _("kabupaten/kota")
        verbose_name_plural = _("kabupaten/kota")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_kota(self) -> bool:
        return int(self.code[3:5]) >= 71


class Kecamatan(models.Model):
    code = models.CharField(_("kode"), max_length=8, primary_key=True)
    kabupaten = models.ForeignKey(Kabupaten, on_delete=models.PROTECT, related_name="kecamatan")
    name = models.CharField(_("nama"), max_length=255)

    class Meta:
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def nik_prefix(self) -> str:
        """The six digits a NIK or No KK registered here begins with."""
        return self.code.replace(".", "")


class Desa(models.Model):
    """Desa (code serial begins with 2) or kelurahan (begins with 1)."""

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="desa")
    name = models.CharField(_("nama"), max_length=255)

    class Meta:
        verbose_name = _("desa/kelurahan")
        verbose_name_plural = _("desa/kelurahan")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_kelurahan(self) -> bool:
        return self.code.split(".")[3].startswith("1")


class PovertyLine(models.Model):
    """BPS garis kemiskinan in rupiah per capita per month, from a date; no province = national."""

    provinsi = models.ForeignKey(
        Provinsi, on_delete=models.PROTECT, null=True, blank=True, related_name="poverty_lines"
    )
    valid_from = models.DateField(_("berlaku mulai"))
    amount = models.PositiveIntegerField(_("rupiah per kapita per bulan"))
    source = models.CharField(_("sumber"), max_length=200)

    class Meta:
        verbose_name = _("garis kemiskinan")
        verbose_name_plural = _("garis kemiskinan")
        ordering = ["provinsi_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["provinsi", "valid_from"],
                name="poverty_line_one_per_province_date",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="poverty_line_positive"),
        ]

    def __str__(self) -> str:
        where = self.provinsi_id or "nasional"
        return f"{where} {self.valid_from}: Rp{self.amount:,}"
