"""P2K2 (Pertemuan Peningkatan Kemampuan Keluarga): the curriculum, groups, meetings and
attendance. The curriculum is data: five modules, each with its sessions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pengguna.scoping import ScopedQuerySet, kpm_visibility, pendamping_visibility


class P2k2Module(models.Model):
    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama modul"), max_length=150)
    order = models.PositiveSmallIntegerField(_("urutan"), unique=True)

    class Meta:
        verbose_name = _("modul P2K2")
        verbose_name_plural = _("modul P2K2")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class P2k2Session(models.Model):
    """One session of a module in the curriculum catalogue."""

    module = models.ForeignKey(P2k2Module, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("sesi ke"))
    title = models.CharField(_("judul sesi"), max_length=200)

    class Meta:
        verbose_name = _("sesi P2K2")
        verbose_name_plural = _("sesi P2K2")
        ordering = ["module__order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["module", "number"], name="p2k2_session_number")
        ]

    def __str__(self) -> str:
        return f"{self.module.name} {self.number}: {self.title}"


class P2k2GroupQuerySet(ScopedQuerySet["P2k2Group"]):
    scope_rule = staticmethod(pendamping_visibility)
    scope_path = "pendamping"


class P2k2Group(models.Model):
    """A group of 15-30 KPM of one pendamping's caseload that meets monthly."""

    pendamping = models.ForeignKey(
        "pendamping.Pendamping", on_delete=models.PROTECT, related_name="p2k2_groups"
    )
    name = models.CharField(_("nama kelompok"), max_length=100)
    desa = models.ForeignKey("wilayah.Desa", on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField("kpm.Kpm", related_name="p2k2_groups", blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = P2k2GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("kelompok P2K2")
        verbose_name_plural = _("kelompok P2K2")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["pendamping", "name"], name="p2k2_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class MeetingStatus(models.TextChoices):
    PLANNED = "direncanakan", _("Direncanakan")
    HELD = "terlaksana", _("Terlaksana")
    CANCELLED = "batal", _("Batal")


class P2k2MeetingQuerySet(ScopedQuerySet["P2k2Meeting"]):
    scope_rule = staticmethod(pendamping_visibility)
    scope_path = "group__pendamping"


class P2k2Meeting(models.Model):
    """A group's meeting on one catalogue session, planned or held."""

    group = models.ForeignKey(P2k2Group, on_delete=models.PROTECT, related_name="meetings")
    session = models.ForeignKey(P2k2Session, on_delete=models.PROTECT, related_name="+")
    scheduled_on = models.DateField(_("tanggal"))
    status = models.CharField(
        _("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    notes = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = P2k2MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pertemuan P2K2")
        verbose_name_plural = _("pertemuan P2K2")
        ordering = ["-scheduled_on", "-id"]
        indexes = [models.Index(fields=["group", "-scheduled_on"])]

    def __str__(self) -> str:
        return f"{self.group.name} {self.scheduled_on}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "hadir", _("Hadir")
    EXCUSED = "izin", _("Izin")
    ABSENT = "tidak_hadir", _("Tidak hadir")


class P2k2AttendanceQuerySet(ScopedQuerySet["P2k2Attendance"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class P2k2Attendance(models.Model):
    """Whether one KPM attended one meeting."""

    meeting = models.ForeignKey(P2k2Meeting, on_delete=models.CASCADE, related_name="attendance")
    kpm = models.ForeignKey("kpm.Kpm", on_delete=models.PROTECT, related_name="p2k2_attendance")
    status = models.CharField(_("kehadiran"), max_length=12, choices=AttendanceStatus.choices)

    objects = P2k2AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("kehadiran P2K2")
        verbose_name_plural = _("kehadiran P2K2")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "kpm"], name="p2k2_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.kpm_id} {self.status}"
