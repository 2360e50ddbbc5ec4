"""Reads of the programme policy."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from graduasi.models import PolicyVersion
from graduasi.rules import DEFAULT_POLICY, Member, Policy
from kpm.models import Anggota, MemberStatus

POLICY_FIELDS = tuple(f.name for f in fields(Policy))


def policy_from(version: PolicyVersion) -> Policy:
    """The rules' view of one policy version."""
    return Policy(**{name: getattr(version, name) for name in POLICY_FIELDS})


def policy_on(d: date) -> Policy:
    """The policy in force on a date: the latest version from on or before it, else the defaults."""
    version = PolicyVersion.objects.filter(valid_from__lte=d).order_by("-valid_from").first()
    return policy_from(version) if version is not None else DEFAULT_POLICY


def member_facts(anggota: Anggota) -> Member:
    """The facts graduasi.rules needs about one member, from its row."""
    return Member(
        id=anggota.pk,
        birth_date=anggota.tanggal_lahir,
        sex=anggota.jenis_kelamin,
        pregnant=anggota.hamil,
        due_date=anggota.perkiraan_lahir,
        delivered_on=anggota.tanggal_persalinan,
        school_level=anggota.jenjang_sekolah,
        severe_disability=anggota.disabilitas_berat,
        active=anggota.status == MemberStatus.ACTIVE,
        left_on=anggota.status_changed_on if anggota.status != MemberStatus.ACTIVE else None,
    )
