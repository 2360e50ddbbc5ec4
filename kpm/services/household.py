"""Household changes a pendamping or Dinsos officer records: a birth, a pregnancy or delivery,
a change of school, a member who died or moved out. Each is one transaction with its audit
rows; a refused change writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record, diff, field_values
from config.errors import DomainError
from graduasi.rules import age_on
from graduasi.services import assessment_refresh_on_commit
from kpm.models import Anggota, Kpm, KpmStatus, MemberStatus, Relationship, SchoolLevel, Sex
from kpm.rules import nik_mismatch, nik_problem
from kpm.validators import KnownKecamatan
from pengguna.scoping import may_write_case

# Who records case work (visits, household changes) on a KPM they can see.
ADULT_AGE = 17  # Dukcapil: a KTP (and so a pengurus) from 17 years of age
MAX_PREGNANCY_DAYS = 300  # a due date further away than this is a typing mistake
MEMBER_FIELDS = (
    "kpm_id", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan", "is_pengurus",
    "hamil", "perkiraan_lahir", "tanggal_persalinan", "jenjang_sekolah", "disabilitas_berat",
    "status", "status_changed_on",
)  # fmt: skip
HOUSEHOLD_STATUSES = (KpmStatus.ACTIVE, KpmStatus.WAITING)


def kpm_lock_for_case_work(*, kpm_pk: int, actor: Any) -> Kpm:
    """The KPM row locked for a change by `actor`, who must see it and hold a writing role."""
    locked = (
        Kpm.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=kpm_pk).first()
        if may_write_case(actor)
        else None
    )
    if locked is None:
        raise DomainError(_("Anda tidak berwenang mengubah data KPM ini."), code="forbidden")
    return locked


def _lock_member(*, anggota: Anggota, actor: Any) -> tuple[Kpm, Anggota]:
    kpm = kpm_lock_for_case_work(kpm_pk=anggota.kpm_id, actor=actor)
    if kpm.status not in HOUSEHOLD_STATUSES:
        raise DomainError(
            _("KPM ini berstatus %(status)s; data anggota hanya diubah untuk KPM aktif.")
            % {"status": kpm.get_status_display()},
            code="kpm_not_active",
        )
    member = Anggota.objects.select_for_update().get(pk=anggota.pk)
    assessment_refresh_on_commit([kpm.pk])  # only if this change commits
    if member.status != MemberStatus.ACTIVE:
        raise DomainError(
            _("%(nama)s sudah tercatat %(status)s.")
            % {"nama": member.nama, "status": member.get_status_display().lower()},
            code="member_not_active",
        )
    return kpm, member


def _save_audited(*, member: Anggota, before: dict[str, Any], actor: Any) -> Anggota:
    changes = diff(before, field_values(member, MEMBER_FIELDS))
    if changes:
        member.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=member, changes=changes)
    return member


def _not_in_future(day: date, *, what: str) -> None:
    if day > timezone.localdate():
        raise DomainError(
            _("%(what)s tidak boleh sesudah hari ini.") % {"what": what}, code="future_date"
        )


def _nik_refusal(nik: str, *, born: date, sex: str) -> str | None:
    problem = nik_problem(nik, known_kecamatan=KnownKecamatan())
    if problem is None:
        problem = nik_mismatch(nik, birth_date=born, sex=sex)
    if problem is None and Anggota.objects.filter(nik=nik).exists():
        problem = _("NIK ini sudah terdaftar untuk orang lain. Periksa lagi angka di akta/KK.")
    return problem


def anggota_add_birth(
    *,
    kpm: Kpm,
    actor: Any,
    nama: str,
    jenis_kelamin: str,
    tanggal_lahir: date,
    nik: str,
    mother: Anggota | None = None,
) -> Anggota:
    """A child born into the KPM becomes a member; the mother's delivery is recorded."""
    with transaction.atomic():
        locked = kpm_lock_for_case_work(kpm_pk=kpm.pk, actor=actor)
        if locked.status not in HOUSEHOLD_STATUSES:
            raise DomainError(
                _("KPM ini berstatus %(status)s; kelahiran hanya dicatat untuk KPM aktif.")
                % {"status": locked.get_status_display()},
                code="kpm_not_active",
            )
        _not_in_future(tanggal_lahir, what=_("Tanggal lahir"))
        if jenis_kelamin not in Sex.values:
            raise DomainError(_("Pilih jenis kelamin bayi."), code="sex")
        if not nama.strip():
            raise DomainError(_("Tulis nama bayi."), code="nama")
        problem = _nik_refusal(nik, born=tanggal_lahir, sex=jenis_kelamin)
        if problem:
            raise DomainError(problem, code="nik")
        assessment_refresh_on_commit([locked.pk])  # only if the birth is saved
        if mother is not None:
            _record_mother_delivery(kpm=locked, mother=mother, on=tanggal_lahir, actor=actor)
        child = Anggota(
            kpm=locked, nik=nik, nama=nama.strip(), jenis_kelamin=jenis_kelamin,
            tanggal_lahir=tanggal_lahir, hubungan=Relationship.CHILD,
        )  # fmt: skip
        try:
            with transaction.atomic():
                child.save()
        except IntegrityError as exc:  # another officer saved the same NIK a moment ago
            raise DomainError(_("NIK ini sudah terdaftar untuk orang lain."), code="nik") from exc
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=child,
            changes=diff({}, field_values(child, MEMBER_FIELDS)),
        )  # fmt: skip
        return child


def _record_mother_delivery(*, kpm: Kpm, mother: Anggota, on: date, actor: Any) -> None:
    member = Anggota.objects.select_for_update().get(pk=mother.pk)
    if member.kpm_id != kpm.pk or member.status != MemberStatus.ACTIVE:
        raise DomainError(_("Ibu harus anggota aktif KPM ini."), code="mother")
    if member.jenis_kelamin != Sex.FEMALE:
        raise DomainError(_("Ibu yang dipilih bukan perempuan."), code="mother")
    before = field_values(member, MEMBER_FIELDS)
    member.hamil, member.perkiraan_lahir, member.tanggal_persalinan = False, None, on
    _save_audited(member=member, before=before, actor=actor)


def anggota_record_pregnancy(*, anggota: Anggota, actor: Any, perkiraan_lahir: date) -> Anggota:
    """A woman of the KPM is pregnant, due on `perkiraan_lahir`."""
    with transaction.atomic():
        _kpm, member = _lock_member(anggota=anggota, actor=actor)
        if member.jenis_kelamin != Sex.FEMALE:
            raise DomainError(
                _("Kehamilan hanya dicatat untuk anggota perempuan."), code="not_female"
            )
        today = timezone.localdate()
        if perkiraan_lahir <= today:
            raise DomainError(
                _("Perkiraan lahir harus sesudah hari ini. Jika bayi sudah lahir, catat "
                  "persalinan."),
                code="due_date_past",
            )  # fmt: skip
        if perkiraan_lahir > today + timedelta(days=MAX_PREGNANCY_DAYS):
            raise DomainError(
                _("Perkiraan lahir paling lambat 10 bulan dari hari ini."), code="due_date_far"
            )
        before = field_values(member, MEMBER_FIELDS)
        member.hamil, member.perkiraan_lahir = True, perkiraan_lahir
        return _save_audited(member=member, before=before, actor=actor)


def anggota_record_delivery(*, anggota: Anggota, actor: Any, tanggal_persalinan: date) -> Anggota:
    """A woman of the KPM gave birth (or the pregnancy ended) on `tanggal_persalinan`."""
    with transaction.atomic():
        _kpm, member = _lock_member(anggota=anggota, actor=actor)
        if member.jenis_kelamin != Sex.FEMALE:
            raise DomainError(
                _("Persalinan hanya dicatat untuk anggota perempuan."), code="not_female"
            )
        _not_in_future(tanggal_persalinan, what=_("Tanggal persalinan"))
        if tanggal_persalinan <= member.tanggal_lahir:
            raise DomainError(
                _("Tanggal persalinan harus sesudah tanggal lahir ibu."), code="delivery_date"
            )
        before = field_values(member, MEMBER_FIELDS)
        member.hamil, member.perkiraan_lahir = False, None
        member.tanggal_persalinan = tanggal_persalinan
        return _save_audited(member=member, before=before, actor=actor)


def anggota_change_school(*, anggota: Anggota, actor: Any, jenjang_sekolah: str) -> Anggota:
    """A member's current school level (empty when not in school)."""
    with transaction.atomic():
        _kpm, member = _lock_member(anggota=anggota, actor=actor)
        if jenjang_sekolah not in SchoolLevel.values:
            raise DomainError(_("Pilih jenjang sekolah dari daftar."), code="school_level")
        before = field_values(member, MEMBER_FIELDS)
        member.jenjang_sekolah = jenjang_sekolah
        return _save_audited(member=member, before=before, actor=actor)


def anggota_exit(
    *,
    anggota: Anggota,
    actor: Any,
    status: str,
    on: date,
    new_pengurus: Anggota | None = None,
) -> Anggota:
    """A member died or moved out; a leaving pengurus hands over to another member."""
    with transaction.atomic():
        kpm, member = _lock_member(anggota=anggota, actor=actor)
        if status not in (MemberStatus.DIED, MemberStatus.MOVED):
            raise DomainError(_("Pilih: meninggal atau pindah."), code="exit_status")
        _not_in_future(on, what=_("Tanggal"))
        if on < member.tanggal_lahir:
            raise DomainError(_("Tanggal tidak boleh sebelum tanggal lahir."), code="exit_date")
        others = list(
            Anggota.objects.select_for_update()
            .filter(kpm=kpm, status=MemberStatus.ACTIVE)
            .exclude(pk=member.pk)
        )
        if not others:
            raise DomainError(
                _("%(nama)s adalah anggota aktif terakhir. Dinsos yang mencatat KPM keluar "
                  "dari PKH; hubungi Dinsos.")
                % {"nama": member.nama},
                code="last_member",
            )  # fmt: skip
        successor = _successor(member=member, others=others, chosen=new_pengurus, on=on)
        before = field_values(member, MEMBER_FIELDS)
        member.status, member.status_changed_on, member.is_pengurus = status, on, False
        _save_audited(member=member, before=before, actor=actor)  # frees the one pengurus slot
        if successor is not None:
            before = field_values(successor, MEMBER_FIELDS)
            successor.is_pengurus = True
            _save_audited(member=successor, before=before, actor=actor)
        return member


def _successor(
    *, member: Anggota, others: list[Anggota], chosen: Anggota | None, on: date
) -> Anggota | None:
    """The member who becomes pengurus when `member` (the pengurus) leaves; None otherwise."""
    if not member.is_pengurus:
        return None
    if chosen is None:
        raise DomainError(
            _("%(nama)s adalah pengurus. Pilih anggota yang menjadi pengurus baru.")
            % {"nama": member.nama},
            code="successor_required",
        )
    successor = next((o for o in others if o.pk == chosen.pk), None)
    if successor is None:
        raise DomainError(
            _("Pengurus baru harus anggota aktif lain dari KPM ini."), code="successor_invalid"
        )
    adults = [o for o in others if age_on(o.tanggal_lahir, on) >= ADULT_AGE]
    if adults and successor not in adults:
        raise DomainError(
            _("Pilih anggota dewasa (%(age)s tahun ke atas) sebagai pengurus baru.")
            % {"age": ADULT_AGE},
            code="successor_minor",
        )
    return successor
