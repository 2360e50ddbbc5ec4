"""Home visits: what a pendamping found in one visit, with an optional economic assessment.
One transaction writes the visit, the assessment, the KPM's last-visit date and their audit
rows; a refused visit writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record, diff, field_values
from config.errors import DomainError
from graduasi.services import assessment_refresh_on_commit
from kpm.models import Anggota, Kpm, KpmStatus, MemberStatus
from kpm.services.household import kpm_lock_for_case_work
from pendamping.models import (
    AssessmentSource,
    BusinessStatus,
    EconomicAssessment,
    Visit,
    VisitPurpose,
)

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_EXTENSIONS = {".jpg": ".jpg", ".jpeg": ".jpg", ".png": ".png", ".webp": ".webp"}
MAX_ACCURACY_M = 100_000
HOUSING_MAX = 200
SIX_PLACES = Decimal("0.000001")
VISIT_FIELDS = (
    "kpm_id", "pendamping_id", "visited_on", "purposes", "notes", "latitude", "longitude",
    "location_accuracy_m", "created_by_id",
)  # fmt: skip
ASSESSMENT_FIELDS = (
    "kpm_id", "visit_id", "assessed_on", "household_income", "member_count", "stable_income",
    "business_status", "housing_condition", "source", "created_by_id",
)  # fmt: skip


def photo_kind(head: bytes) -> str | None:
    """The file extension the first bytes of an image announce (JPEG, PNG, WebP), else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    return None


def photo_problem(photo: File) -> str | None:
    """Why `photo` cannot be kept with a visit, in words a field worker understands."""
    size = photo.size or 0
    if size > MAX_PHOTO_BYTES:
        return _("Foto terlalu besar (%(mb)s MB); paling besar 5 MB.") % {
            "mb": f"{size / 1024 / 1024:.1f}".replace(".", ",")
        }
    if PurePath(photo.name or "").suffix.lower() not in PHOTO_EXTENSIONS:
        return _("Hanya foto JPG, PNG atau WebP yang diterima.")
    photo.seek(0)
    head = photo.read(12)
    photo.seek(0)
    if photo_kind(head) is None:
        return _("Berkas ini bukan foto JPG, PNG atau WebP, walaupun namanya seperti foto.")
    return None


@dataclass(frozen=True)
class Location:
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: int | None = None


def location_from(latitude: Any, longitude: Any, accuracy: Any) -> Location:
    """A checked location from the browser's values; empty when none was taken."""
    if latitude in (None, "") and longitude in (None, ""):
        return Location()
    try:
        lat = Decimal(str(latitude)).quantize(SIX_PLACES)
        lon = Decimal(str(longitude)).quantize(SIX_PLACES)
        acc = None if accuracy in (None, "") else round(float(accuracy))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise DomainError(_("Lokasi tidak terbaca; ambil lokasi lagi."), code="location") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (
        acc is not None and not 0 <= acc <= MAX_ACCURACY_M
    ):
        raise DomainError(_("Lokasi di luar jangkauan; ambil lokasi lagi."), code="location")
    return Location(lat, lon, acc)


def visit_log(
    *,
    kpm: Kpm,
    actor: Any,
    visited_on: date,
    purposes: Iterable[str],
    notes: str = "",
    photo: File | None = None,
    latitude: Any = None,
    longitude: Any = None,
    accuracy: Any = None,
    assessment: Mapping[str, Any] | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Visit:
    """Record a home visit to `kpm`; a replay with the same key returns the visit already made."""
    with transaction.atomic():
        locked = kpm_lock_for_case_work(kpm_pk=kpm.pk, actor=actor)
        if idempotency_key is not None:
            # The KPM lock above makes a concurrent replay wait here until the first commits.
            existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                if existing.kpm_id != locked.pk:
                    raise DomainError(
                        _("Formulir ini sudah dipakai untuk KPM lain; buka formulir baru."),
                        code="idempotency_key_reused",
                    )
                return existing
        chosen = _checked_purposes(purposes)
        _check_visit_date(kpm=locked, visited_on=visited_on)
        location = location_from(latitude, longitude, accuracy)
        if photo is not None:
            problem = photo_problem(photo)
            if problem:
                raise DomainError(problem, code="photo")
        values = _checked_assessment(assessment, kpm=locked) if assessment is not None else None
        visit = Visit(
            kpm=locked, pendamping_id=locked.pendamping_id, visited_on=visited_on,
            purposes=chosen, notes=notes.strip(), latitude=location.latitude,
            longitude=location.longitude, location_accuracy_m=location.accuracy_m,
            idempotency_key=idempotency_key, created_by=actor,
        )  # fmt: skip
        if photo is not None:
            photo.name = f"{uuid.uuid4().hex}{_photo_extension(photo)}"
            visit.photo = photo  # type: ignore[assignment]
        visit.save()
        _audit_create(actor=actor, obj=visit, values=_visit_audit_values(visit))
        if values is not None:
            made = EconomicAssessment.objects.create(
                kpm=locked, visit=visit, assessed_on=visited_on, source=AssessmentSource.VISIT,
                created_by=actor, **values,
            )  # fmt: skip
            _audit_create(actor=actor, obj=made, values=field_values(made, ASSESSMENT_FIELDS))
            assessment_refresh_on_commit([locked.pk])
        _advance_last_visit(kpm=locked, visited_on=visited_on, actor=actor)
        return visit


def _photo_extension(photo: File) -> str:
    photo.seek(0)
    kind = photo_kind(photo.read(12))
    photo.seek(0)
    return kind or PHOTO_EXTENSIONS[PurePath(photo.name or "").suffix.lower()]


def _checked_purposes(purposes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(purposes))
    if not chosen:
        raise DomainError(_("Pilih paling sedikit satu tujuan kunjungan."), code="purposes")
    unknown = [p for p in chosen if p not in VisitPurpose.values]
    if unknown:
        raise DomainError(
            _("Tujuan kunjungan tidak dikenal: %(p)s.") % {"p": ", ".join(unknown)},
            code="purposes",
        )
    return chosen


def _check_visit_date(*, kpm: Kpm, visited_on: date) -> None:
    if kpm.status == KpmStatus.EXITED:
        raise DomainError(
            _("KPM ini sudah keluar dari PKH; kunjungan tidak dicatat lagi."), code="kpm_exited"
        )
    if visited_on > timezone.localdate():
        raise DomainError(
            _("Tanggal kunjungan tidak boleh sesudah hari ini."), code="visited_on_future"
        )
    if visited_on < kpm.pkh_entry_date:
        raise DomainError(
            _("Tanggal kunjungan tidak boleh sebelum KPM masuk PKH (%(d)s).")
            % {"d": kpm.pkh_entry_date.strftime("%d-%m-%Y")},
            code="visited_on_before_entry",
        )


def active_member_count(kpm: Kpm) -> int:
    """How many members of the KPM are still active (the default household size)."""
    return Anggota.objects.filter(kpm=kpm, status=MemberStatus.ACTIVE).count()


def _checked_assessment(given: Mapping[str, Any], *, kpm: Kpm) -> dict[str, Any]:
    income = given.get("household_income")
    members = given.get("member_count") or active_member_count(kpm)
    stable = given.get("stable_income")
    business = given.get("business_status") or ""
    housing = (given.get("housing_condition") or "").strip()
    if isinstance(income, bool) or not isinstance(income, int) or income < 0:
        raise DomainError(
            _("Pendapatan per bulan harus angka rupiah 0 atau lebih."), code="household_income"
        )
    if isinstance(members, bool) or not isinstance(members, int) or not 1 <= members <= 99:
        raise DomainError(_("Jumlah anggota harus 1 sampai 99."), code="member_count")
    if not isinstance(stable, bool):
        raise DomainError(_("Pilih apakah penghasilannya tetap."), code="stable_income")
    if business not in BusinessStatus.values and business != "":
        raise DomainError(_("Pilih status usaha dari daftar."), code="business_status")
    if len(housing) > HOUSING_MAX:
        raise DomainError(_("Kondisi rumah paling panjang 200 huruf."), code="housing_condition")
    return {
        "household_income": income, "member_count": members, "stable_income": stable,
        "business_status": business, "housing_condition": housing,
    }  # fmt: skip


def _visit_audit_values(visit: Visit) -> dict[str, Any]:
    values = field_values(visit, VISIT_FIELDS)
    values["photo"] = visit.photo.name or None
    values["idempotency_key"] = str(visit.idempotency_key) if visit.idempotency_key else None
    return values


def _audit_create(*, actor: Any, obj: Visit | EconomicAssessment, values: dict[str, Any]) -> None:
    audit_record(actor=actor, action=AuditAction.CREATE, obj=obj, changes=diff({}, values))


def _advance_last_visit(*, kpm: Kpm, visited_on: date, actor: Any) -> None:
    """The KPM's last visit moves forward only: a late-entered older visit leaves it be."""
    if kpm.last_visit_on is not None and kpm.last_visit_on >= visited_on:
        return
    before = {"last_visit_on": kpm.last_visit_on}
    kpm.last_visit_on = visited_on
    kpm.save(update_fields=["last_visit_on", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=kpm,
        changes=diff(before, {"last_visit_on": visited_on}),
    )
