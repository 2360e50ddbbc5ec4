"""What the database itself guarantees for visits, commitments and P2K2."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from pendamping.models import (
    CommitmentKind,
    CommitmentVerification,
    P2k2Group,
    P2k2Module,
    P2k2Session,
    Visit,
    VisitPurpose,
)


def test_the_p2k2_curriculum_is_seeded_with_five_modules(db):
    modules = list(P2k2Module.objects.values_list("code", flat=True))
    assert modules == ["pengasuhan", "ekonomi", "kesehatan", "perlindungan", "kesos"]
    assert P2k2Session.objects.filter(module__code="kesehatan").count() == 4
    assert P2k2Session.objects.count() == 15


def test_a_visit_needs_at_least_one_purpose(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(
            kpm=world.kpm_own,
            visited_on=date(2026, 11, 1),
            purposes=[],
            created_by=world.pendamping_kota.user,
        )
    Visit.objects.create(
        kpm=world.kpm_own,
        visited_on=date(2026, 11, 1),
        purposes=[VisitPurpose.OTHER],
        created_by=world.pendamping_kota.user,
    )


def test_a_commitment_records_the_fact_of_its_kind(world):
    member = world.kpm_own.anggota.get()
    common = {"kpm": world.kpm_own, "anggota": member, "recorded_by": world.admin}
    with pytest.raises(IntegrityError), transaction.atomic():  # school without attendance
        CommitmentVerification.objects.create(
            month=date(2026, 10, 1), kind=CommitmentKind.SCHOOL, compliant=True, **common
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # not the first of the month
        CommitmentVerification.objects.create(
            month=date(2026, 10, 2),
            kind=CommitmentKind.HEALTH,
            checkup_done=True,
            compliant=True,
            **common,
        )
    CommitmentVerification.objects.create(
        month=date(2026, 10, 1),
        kind=CommitmentKind.SCHOOL,
        attendance_pct=90,
        compliant=True,
        **common,
    )
    with pytest.raises(IntegrityError), transaction.atomic():  # one per member per month
        CommitmentVerification.objects.create(
            month=date(2026, 10, 1),
            kind=CommitmentKind.HEALTH,
            checkup_done=True,
            compliant=True,
            **common,
        )


def test_visits_and_groups_follow_the_scoping_rule(world):
    Visit.objects.create(
        kpm=world.kpm_own,
        visited_on=date(2026, 11, 1),
        purposes=[VisitPurpose.OTHER],
        created_by=world.pendamping_kota.user,
    )
    P2k2Group.objects.create(
        pendamping=world.pendamping_kota, name="Melati", desa_id="35.71.01.1001"
    )
    assert Visit.objects.visible_to(world.dinsos_kota).count() == 1
    assert Visit.objects.visible_to(world.dinsos_kab).count() == 0
    assert Visit.objects.visible_to(world.pendamping_kota_other.user).count() == 0
    assert P2k2Group.objects.visible_to(world.pendamping_kota.user).count() == 1
    assert P2k2Group.objects.visible_to(world.pendamping_kab.user).count() == 0
    assert P2k2Group.objects.visible_to(world.dinsos_kota).count() == 1
