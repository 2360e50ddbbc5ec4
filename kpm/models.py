"""Households (KPM), their members (anggota) and their DTSEN desil history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import CharField, F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kpm.validators import validate_nik, validate_no_kk
from pengguna.scoping import (
    ScopedQuerySet,
    import_job_visibility,
    kabupaten_visibility,
    kpm_visibility,
)


class KpmStatus(models.TextChoices):
    ACTIVE = "aktif", _("Aktif")
    GRADUATED = "graduasi", _("Graduasi")
    EXITED = "keluar", pgettext_lazy("status KPM", "Keluar")
    WAITING = "menunggu", _("Menunggu")


class GraduationType(models.TextChoices):
    ALAMIAH = "alamiah", _("Graduasi alamiah")
    SEJAHTERA = "sejahtera", _("Graduasi sejahtera")
    MANDIRI = "mandiri", _("Graduasi mandiri")


class ExitReason(models.TextChoices):
    """Ways a KPM leaves the programme that are not graduations: none counts toward a target."""

    DIED = "meninggal", _("Anggota terakhir meninggal")
    MOVED = "pindah", _("Pindah domisili")
    INELIGIBLE = "tidak_layak", _("Tidak memenuhi syarat")
    DUPLICATE = "duplikat", _("Data ganda")


class KpmQuerySet(ScopedQuerySet["Kpm"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = ""

    def with_pengurus_name(self) -> KpmQuerySet:
        """Each KPM with `pengurus_nama`, its pengurus's name, in the same query."""
        pengurus = Anggota.objects.filter(kpm=OuterRef("pk"), is_pengurus=True).values("nama")
        return self.annotate(pengurus_nama=Subquery(pengurus[:1], output_field=CharField()))


class Kpm(models.Model):
    """A beneficiary household. Region codes are copied from its desa for fast filtering."""

    kpm_id = models.CharField(_("ID KPM"), max_length=32, unique=True)
    no_kk = models.CharField(_("No KK"), max_length=16, validators=[validate_no_kk])
    desa = models.ForeignKey(
        "wilayah.Desa", on_delete=models.PROTECT, related_name="kpm", verbose_name=_("desa")
    )
    kecamatan_code = models.CharField(_("kode kecamatan"), max_length=8, editable=False)
    kabupaten_code = models.CharField(_("kode kabupaten"), max_length=5, editable=False)
    provinsi_code = models.CharField(_("kode provinsi"), max_length=2, editable=False)
    alamat = models.CharField(_("alamat"), max_length=255)
    desil = models.PositiveSmallIntegerField(_("desil DTSEN"), null=True, blank=True)
    pkh_entry_date = models.DateField(_("tanggal masuk PKH"))
    status = models.CharField(
        _("status"), max_length=10, choices=KpmStatus.choices, default=KpmStatus.ACTIVE
    )
    pendamping = models.ForeignKey(
        "pendamping.Pendamping",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpm",
        verbose_name=_("pendamping"),
    )
    # Kept by the visit and commitment services, so the caseload filters and sorts on columns.
    last_visit_on = models.DateField(_("kunjungan terakhir"), null=True, blank=True)
    noncompliant = models.BooleanField(
        _("tidak memenuhi komitmen"), default=False, db_default=False
    )
    # Set when a proposal is approved (graduasi.services.proposals) or an exit is recorded.
    graduated_on = models.DateField(_("tanggal graduasi"), null=True, blank=True)
    graduation_type = models.CharField(
        _("jenis graduasi"),
        max_length=10,
        choices=GraduationType.choices,
        blank=True,
        default="",
        db_default="",
    )
    exited_on = models.DateField(_("tanggal keluar"), null=True, blank=True)
    exit_reason = models.CharField(
        _("alasan keluar"),
        max_length=12,
        choices=ExitReason.choices,
        blank=True,
        default="",
        db_default="",
    )
    exit_note = models.TextField(_("keterangan keluar"), blank=True, default="", db_default="")
    # Payments stop from the tahap after graduation or exit: the last one paid, e.g. 2026 / 4.
    last_paid_year = models.PositiveSmallIntegerField(
        _("tahun tahap terakhir dibayar"), null=True, blank=True
    )
    last_paid_tahap = models.PositiveSmallIntegerField(
        _("tahap terakhir dibayar"), null=True, blank=True
    )
    # A graduated family at risk of falling back (pemberdayaan.services.risk keeps these).
    at_risk = models.BooleanField(_("berisiko kembali miskin"), default=False, db_default=False)
    risk_reasons = models.JSONField(
        _("alasan risiko"),
        blank=True,
        default=list,
        db_default=models.Value([], output_field=models.JSONField()),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = KpmQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPM")
        verbose_name_plural = _("KPM")
        ordering = ["kpm_id"]
        indexes = [
            models.Index(fields=["kabupaten_code", "status"]),
            models.Index(fields=["kecamatan_code", "status"]),
            models.Index(fields=["provinsi_code", "status"]),
            models.Index(fields=["pendamping", "status"]),
            models.Index(fields=["no_kk"]),
            models.Index(fields=["kabupaten_code", "graduated_on"]),
            models.Index(
                fields=["kabupaten_code", "desil", "pkh_entry_date"],
                condition=Q(status="menunggu"),
                name="kpm_waiting_list",
            ),
            models.Index(fields=["kabupaten_code"], condition=Q(at_risk=True), name="kpm_at_risk"),
            # The agencies' feed of graduated KPM, in the order it pages.
            models.Index(
                fields=["updated_at", "id"],
                condition=Q(status="graduasi"),
                name="kpm_graduated_feed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="kpm_desil_1_to_10", condition=Q(desil__isnull=True) | Q(desil__range=(1, 10))
            ),
            models.CheckConstraint(
                name="kpm_region_codes_match_desa",
                condition=Q(kecamatan_code__regex=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$"),
            ),
            models.CheckConstraint(
                name="kpm_last_paid_tahap_1_to_4",
                condition=Q(last_paid_tahap__isnull=True) | Q(last_paid_tahap__range=(1, 4)),
            ),
        ]

    def __str__(self) -> str:
        return self.kpm_id

    def set_region_from_desa_code(self, desa_code: str) -> None:
        """Copy the denormalised region codes from a desa code like 35.71.01.1001."""
        self.desa_id = desa_code
        self.kecamatan_code = desa_code[:8]
        self.kabupaten_code = desa_code[:5]
        self.provinsi_code = desa_code[:2]


class DesilSource(models.TextChoices):
    IMPORT = "import", _("Impor")
    MANUAL = "manual", _("Manual")


class DesilHistory(models.Model):
    """Each DTSEN desil a KPM has had, from the day it was recorded."""

    kpm = models.ForeignKey(Kpm, on_delete=models.CASCADE, related_name="desil_history")
    desil = models.PositiveSmallIntegerField(_("desil"))
    recorded_on = models.DateField(_("tanggal"))
    source = models.CharField(_("sumber"), max_length=10, choices=DesilSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("riwayat desil")
        verbose_name_plural = _("riwayat desil")
        ordering = ["kpm_id", "-recorded_on", "-id"]
        indexes = [models.Index(fields=["kpm", "-recorded_on"])]
        constraints = [
            models.CheckConstraint(name="desil_history_1_to_10", condition=Q(desil__range=(1, 10)))
        ]

    def __str__(self) -> str:
        return f"{self.kpm_id} desil {self.desil} ({self.recorded_on})"


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Relationship(models.TextChoices):
    HEAD = "kepala", _("Kepala keluarga")
    WIFE = "istri", _("Istri")
    HUSBAND = "suami", _("Suami")
    CHILD = "anak", _("Anak")
    PARENT = "orang_tua", _("Orang tua")
    OTHER = "lainnya", _("Lainnya")


class SchoolLevel(models.TextChoices):
    NONE = "", _("Tidak sekolah")
    PAUD = "PAUD", _("PAUD")
    SD = "SD", _("SD")
    SMP = "SMP", _("SMP")
    SMA = "SMA", _("SMA")


class MemberStatus(models.TextChoices):
    ACTIVE = "aktif", _("Aktif")
    DIED = "meninggal", _("Meninggal")
    MOVED = "pindah", _("Pindah")


class AnggotaQuerySet(ScopedQuerySet["Anggota"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class Anggota(models.Model):
    """A member of a KPM, identified across the whole system by NIK."""

    kpm = models.ForeignKey(Kpm, on_delete=models.PROTECT, related_name="anggota")
    nik = models.CharField(_("NIK"), max_length=16, unique=True, validators=[validate_nik])
    nama = models.CharField(_("nama"), max_length=150)
    jenis_kelamin = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    tanggal_lahir = models.DateField(_("tanggal lahir"))
    hubungan = models.CharField(_("hubungan"), max_length=10, choices=Relationship.choices)
    is_pengurus = models.BooleanField(_("pengurus"), default=False)
    hamil = models.BooleanField(_("hamil"), default=False)
    perkiraan_lahir = models.DateField(_("perkiraan lahir"), null=True, blank=True)
    tanggal_persalinan = models.DateField(_("tanggal persalinan"), null=True, blank=True)
    jenjang_sekolah = models.CharField(
        _("jenjang sekolah"), max_length=4, choices=SchoolLevel.choices, blank=True, default=""
    )
    disabilitas_berat = models.BooleanField(_("disabilitas berat"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    status_changed_on = models.DateField(_("tanggal perubahan status"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnggotaQuerySet.as_manager()

    class Meta:
        verbose_name = _("anggota")
        verbose_name_plural = _("anggota")
        ordering = ["kpm_id", "tanggal_lahir", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpm"], condition=Q(is_pengurus=True), name="anggota_one_pengurus_per_kpm"
            ),
            models.CheckConstraint(
                name="anggota_pregnancy_has_due_date",
                condition=Q(hamil=False) | Q(perkiraan_lahir__isnull=False),
            ),
            models.CheckConstraint(
                name="anggota_only_women_pregnant", condition=Q(hamil=False) | Q(jenis_kelamin="P")
            ),
        ]

    def __str__(self) -> str:
        return self.nama


class ImportStatus(models.TextChoices):
    CHECKING = "memeriksa", _("Memeriksa")
    AWAITING = "menunggu_konfirmasi", _("Menunggu konfirmasi")
    RUNNING = "berjalan", _("Berjalan")
    DONE = "selesai", _("Selesai")
    FAILED = "gagal", _("Gagal")
    CANCELLED = "dibatalkan", _("Dibatalkan")


class ImportJobQuerySet(ScopedQuerySet["ImportJob"]):
    scope_rule = staticmethod(import_job_visibility)
    scope_path = ""


class ImportJob(models.Model):
    """An uploaded KPM file: its dry-run report, then the confirmed import's progress and report."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diunggah oleh"),
    )
    file = models.FileField(_("berkas"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("nama berkas"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.AWAITING
    )
    row_count = models.PositiveIntegerField(_("jumlah baris"), default=0)
    progress = models.PositiveIntegerField(_("baris diproses"), default=0)
    report = models.JSONField(_("laporan"), default=dict, blank=True)
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("impor KPM")
        verbose_name_plural = _("impor KPM")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                name="import_job_progress_within_rows", condition=Q(progress__lte=F("row_count"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        """Progress as a whole percentage."""
        return min(100, self.progress * 100 // self.row_count) if self.row_count else 0


# Waiting list and quota (issue: the district's funded places) ---------------------------------


class FundedQuotaQuerySet(ScopedQuerySet["FundedQuota"]):
    scope_rule = staticmethod(kabupaten_visibility)
    scope_path = "kabupaten"


class FundedQuota(models.Model):
    """How many KPM a kabupaten's budget funds from a date on: a dated policy value the ministry
    sets. The latest row valid on a day applies."""

    kabupaten = models.ForeignKey(
        "wilayah.Kabupaten",
        on_delete=models.PROTECT,
        related_name="funded_quotas",
        verbose_name=_("kabupaten/kota"),
    )
    valid_from = models.DateField(_("berlaku mulai"))
    funded_kpm = models.PositiveIntegerField(_("kuota KPM yang didanai"))
    source = models.CharField(_("sumber"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FundedQuotaQuerySet.as_manager()

    class Meta:
        verbose_name = _("kuota KPM kabupaten/kota")
        verbose_name_plural = _("kuota KPM kabupaten/kota")
        ordering = ["kabupaten_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kabupaten", "valid_from"], name="funded_quota_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kabupaten_id} {self.funded_kpm} ({self.valid_from})"


class EnrolmentProposalQuerySet(ScopedQuerySet["EnrolmentProposal"]):
    scope_rule = staticmethod(kabupaten_visibility)
    scope_path = "kabupaten"


class EnrolmentProposal(models.Model):
    """A Dinsos officer's proposal to enrol the next waiting households into freed places."""

    kabupaten = models.ForeignKey(
        "wilayah.Kabupaten",
        on_delete=models.PROTECT,
        related_name="enrolment_proposals",
        verbose_name=_("kabupaten/kota"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diusulkan oleh"),
    )
    proposed_at = models.DateTimeField(_("diusulkan"), auto_now_add=True)
    note = models.TextField(_("catatan"), blank=True)
    households: models.ManyToManyField[Kpm, EnrolmentCandidate] = models.ManyToManyField(
        Kpm, through="EnrolmentCandidate", related_name="enrolment_proposals"
    )

    objects = EnrolmentProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("usulan kepesertaan")
        verbose_name_plural = _("usulan kepesertaan")
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kabupaten_id} {self.proposed_at:%Y-%m-%d}"


class EnrolmentCandidate(models.Model):
    """One waiting household in an enrolment proposal, with the rank it had when proposed."""

    proposal = models.ForeignKey(
        EnrolmentProposal, on_delete=models.CASCADE, related_name="candidates"
    )
    kpm = models.ForeignKey(Kpm, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(_("peringkat"))
    desil = models.PositiveSmallIntegerField(_("desil"), null=True)
    waiting_since = models.DateField(_("menunggu sejak"))

    class Meta:
        verbose_name = _("calon peserta")
        verbose_name_plural = _("calon peserta")
        ordering = ["proposal_id", "rank"]
        constraints = [
            # A waiting household is proposed once; a second proposal skips it.
            models.UniqueConstraint(fields=["kpm"], name="enrolment_candidate_once"),
            models.UniqueConstraint(fields=["proposal", "rank"], name="enrolment_candidate_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} #{self.rank} {self.kpm_id}"


# Corrections a data subject asks for (UU PDP No. 27/2022: inaccurate data is corrected) --------


class CorrectionField(models.TextChoices):
    """What a correction request may change: the member's identity, or their household's
    address."""

    NAMA = "nama", _("Nama")
    NIK = "nik", _("NIK")
    TANGGAL_LAHIR = "tanggal_lahir", _("Tanggal lahir")
    JENIS_KELAMIN = "jenis_kelamin", _("Jenis kelamin")
    HUBUNGAN = "hubungan", _("Hubungan dalam keluarga")
    ALAMAT = "alamat", _("Alamat")


class CorrectionStatus(models.TextChoices):
    SUBMITTED = "diajukan", _("Diajukan")
    APPROVED = "disetujui", _("Disetujui")
    REJECTED = "ditolak", _("Ditolak")


class CorrectionRequestQuerySet(ScopedQuerySet["CorrectionRequest"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "anggota__kpm"


class CorrectionRequest(models.Model):
    """A person's request to correct their data as held, filed through the pendamping or a
    Dinsos officer and decided by another Dinsos officer of the kabupaten (kpm.services.
    corrections). Values are kept as text: dates ISO, sex and relationship by their codes."""

    anggota = models.ForeignKey(
        Anggota,
        on_delete=models.PROTECT,
        related_name="correction_requests",
        verbose_name=_("anggota"),
    )
    field = models.CharField(_("data"), max_length=20, choices=CorrectionField.choices)
    value_now = models.CharField(_("data sekarang"), max_length=255)
    value_asked = models.CharField(_("data yang diminta"), max_length=255)
    reason = models.TextField(_("alasan"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diajukan oleh"),
    )
    requested_at = models.DateTimeField(_("diajukan"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.SUBMITTED,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diputuskan oleh"),
    )
    decided_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)
    decision_note = models.TextField(_("catatan keputusan"), blank=True, default="")

    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("permintaan koreksi data")
        verbose_name_plural = _("permintaan koreksi data")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            # One open request per member and field: a second one waits for the first decision.
            models.UniqueConstraint(
                fields=["anggota", "field"],
                condition=Q(status="diajukan"),
                name="correction_one_open_per_field",
            ),
            models.CheckConstraint(
                name="correction_changes_the_value", condition=~Q(value_asked=F("value_now"))
            ),
            models.CheckConstraint(
                name="correction_decision_complete",
                condition=Q(status="diajukan", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="diajukan") & Q(decided_by__isnull=False, decided_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="correction_rejection_has_reason",
                condition=~Q(status="ditolak") | ~Q(decision_note=""),
            ),
            # Four eyes: whoever filed the request never decides it.
            models.CheckConstraint(
                name="correction_four_eyes",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()} {self.anggota_id} ({self.get_status_display()})"
