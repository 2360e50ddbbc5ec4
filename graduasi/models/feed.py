"""The agencies' feed as a table: one row per graduated KPM holding everything any agreement may
share, kept by the database in the same transaction as the change (triggers in migration 0012).
Pages and exports read it in order without joining the case tables row by row."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class GraduationFeed(models.Model):
    """A graduated KPM as agencies may receive it; which parts they do is their agreement's."""

    kpm = models.OneToOneField(
        "kpm.Kpm", on_delete=models.DO_NOTHING, primary_key=True, related_name="+"
    )
    kpm_code = models.CharField(max_length=32)  # the public KPM ID
    updated_at = models.DateTimeField()  # kpm.updated_at: the feed's order
    # updated_at as the feed shows it: ISO 8601 in UTC, as Python's isoformat() writes it
    # (iso_utc). Written with the row, so an export of a hundred thousand need not format it.
    updated_at_text = models.CharField(max_length=32)
    graduated_on = models.DateField(null=True)
    graduation_type = models.CharField(max_length=10)
    desa_code = models.CharField(max_length=13)
    kecamatan_code = models.CharField(max_length=8)
    kabupaten_code = models.CharField(max_length=5)
    provinsi_code = models.CharField(max_length=2)
    desa_name = models.CharField(max_length=255)
    kecamatan_name = models.CharField(max_length=255)
    kabupaten_name = models.CharField(max_length=255)
    provinsi_name = models.CharField(max_length=255)
    alamat = models.CharField(max_length=255)
    member_count = models.IntegerField()
    pengurus_name = models.CharField(max_length=255, null=True)  # noqa: DJ001 (none: NULL)
    pengurus_nik = models.CharField(max_length=16, null=True)  # noqa: DJ001
    desil = models.SmallIntegerField(null=True)
    last_paid_year = models.SmallIntegerField(null=True)
    last_paid_tahap = models.SmallIntegerField(null=True)
    # JSON text: [[id, programme code, agency, status, status changed at (ISO text, UTC)], ...]
    # by referral id.
    referrals = models.TextField()
    referral_statuses = ArrayField(models.CharField(max_length=10))
    # "programme code:status" of each referral by id, joined by "|": the CSV export's cell.
    referral_pairs = models.TextField()
    # The record's "wilayah" object (codes and names of the four levels) as compact JSON text,
    # which the API passes on as it is.
    wilayah_json = models.TextField()

    class Meta:
        verbose_name = _("data graduasi untuk lembaga")
        verbose_name_plural = _("data graduasi untuk lembaga")
        indexes = [models.Index(fields=["updated_at", "kpm"], name="graduation_feed_order")]

    def __str__(self) -> str:
        return self.kpm_code
