"""Empowerment after graduation (DESIGN §5 Workflow): the programmes a graduated family is
referred to, the referrals with the family's consent, and the 6- and 12-month follow-ups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pengguna.scoping import ScopedQuerySet, kpm_visibility


class ProgrammeKind(models.TextChoices):
    GRANT = "hibah", _("Bantuan modal usaha")
    LOAN = "pinjaman", _("Pinjaman / kredit usaha")
    TRAINING = "pelatihan", _("Pelatihan")
    PROGRAMME = "program", _("Program pemberdayaan")


class Programme(models.Model):
    """An empowerment programme in the referral catalogue, kept by the ministry in the admin."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    agency = models.CharField(_("lembaga pelaksana"), max_length=150)
    kind = models.CharField(_("jenis"), max_length=10, choices=ProgrammeKind.choices)
    amount = models.PositiveBigIntegerField(
        _("nilai bantuan (Rp)"), null=True, blank=True, help_text=_("Kosongkan bila tidak tetap.")
    )
    description = models.TextField(_("keterangan"), blank=True)
    active = models.BooleanField(_("aktif"), default=True)
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("program pemberdayaan")
        verbose_name_plural = _("program pemberdayaan")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ReferralStatus(models.TextChoices):
    REFERRED = "dirujuk", _("Dirujuk")
    ACCEPTED = "diterima", _("Diterima")
    ONGOING = "berjalan", _("Berjalan")
    DECLINED = "ditolak", _("Ditolak")
    COMPLETED = "selesai", _("Selesai")


class ReferralQuerySet(ScopedQuerySet["Referral"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class Referral(models.Model):
    """A graduated KPM referred to one programme, with the family's consent on record."""

    kpm = models.ForeignKey(
        "kpm.Kpm", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("KPM")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("program")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED
    )
    consent_on = models.DateField(_("tanggal persetujuan keluarga"))
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("persetujuan dicatat oleh"),
    )
    proposal = models.ForeignKey(
        "graduasi.Proposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("usulan graduasi"),
    )
    note = models.TextField(_("catatan"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dirujuk"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status diubah"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("rujukan")
        verbose_name_plural = _("rujukan")
        ordering = ["kpm_id", "programme__position", "id"]
        indexes = [models.Index(fields=["status", "updated_at"])]
        constraints = [
            models.UniqueConstraint(fields=["kpm", "programme"], name="referral_once_per_programme")
        ]

    def __str__(self) -> str:
        return f"{self.kpm_id} → {self.programme_id} ({self.status})"


class OutcomeKind(models.TextChoices):
    """What an agency reports back on a referral."""

    ACCEPTED = "diterima", _("Diterima program")
    DECLINED = "ditolak", _("Ditolak / tidak jadi ikut")
    DISBURSED = "dicairkan", _("Pinjaman atau bantuan dicairkan")
    TRAINED = "pelatihan_selesai", _("Pelatihan selesai")


class ReferralOutcome(models.Model):
    """One outcome an agency reported on a referral, kept with the request's idempotency key so
    that a replayed report changes nothing."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("rujukan")
    )
    kind = models.CharField(_("hasil"), max_length=20, choices=OutcomeKind.choices)
    occurred_on = models.DateField(_("tanggal"))
    amount = models.PositiveBigIntegerField(_("nilai (Rp)"), null=True, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    status_before = models.CharField(_("status sebelum"), max_length=10)
    status_after = models.CharField(_("status sesudah"), max_length=10)
    client = models.ForeignKey(
        "pengguna.ApiClient",
        on_delete=models.PROTECT,
        related_name="outcomes",
        verbose_name=_("klien API"),
    )
    idempotency_key = models.CharField(_("kunci idempotensi"), max_length=100)
    request_hash = models.CharField(_("sidik isi permintaan"), max_length=64)
    created_at = models.DateTimeField(_("dilaporkan"), auto_now_add=True)

    class Meta:
        verbose_name = _("hasil rujukan")
        verbose_name_plural = _("hasil rujukan")
        ordering = ["referral_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"], name="referral_outcome_once_per_key"
            ),
            models.CheckConstraint(
                name="referral_outcome_disbursed_has_amount",
                condition=~Q(kind="dicairkan") | Q(amount__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.kind} ({self.occurred_on})"


class BusinessStatus(models.TextChoices):
    NONE = "tidak_ada", _("Tidak punya usaha")
    STARTING = "rintisan", _("Baru dirintis")
    RUNNING = "berjalan", _("Berjalan")
    GROWING = "berkembang", _("Berkembang")
    STOPPED = "berhenti", _("Berhenti")


class FollowUpQuerySet(ScopedQuerySet["FollowUp"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class FollowUp(models.Model):
    """A follow-up visit to a graduated family, due 6 or 12 months after graduation."""

    kpm = models.ForeignKey(
        "kpm.Kpm", on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("KPM")
    )
    months_after = models.PositiveSmallIntegerField(_("bulan setelah graduasi"))
    due_on = models.DateField(_("jatuh tempo"))
    done_on = models.DateField(_("tanggal kunjungan"), null=True, blank=True)
    monthly_income = models.PositiveBigIntegerField(
        _("pendapatan keluarga per bulan (Rp)"), null=True, blank=True
    )
    member_count = models.PositiveSmallIntegerField(_("jumlah anggota"), null=True, blank=True)
    business_status = models.CharField(
        _("status usaha"), max_length=10, choices=BusinessStatus.choices, blank=True
    )
    note = models.TextField(_("catatan"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    recorded_at = models.DateTimeField(_("dicatat"), null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("tindak lanjut pascagraduasi")
        verbose_name_plural = _("tindak lanjut pascagraduasi")
        ordering = ["due_on", "kpm_id"]
        indexes = [
            models.Index(fields=["due_on"], condition=Q(done_on__isnull=True), name="follow_up_due")
        ]
        constraints = [
            models.UniqueConstraint(fields=["kpm", "months_after"], name="follow_up_once"),
            models.CheckConstraint(
                name="follow_up_done_has_facts",
                condition=Q(done_on__isnull=True)
                | (
                    Q(monthly_income__isnull=False)
                    & Q(member_count__gte=1)
                    & ~Q(business_status="")
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpm_id} +{self.months_after} bln ({self.due_on})"
