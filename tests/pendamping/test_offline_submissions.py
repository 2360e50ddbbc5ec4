"""Forms sent again from a phone's offline queue: a key accepted once writes nothing more, and
a form opened on data that someone changed meanwhile is refused as a conflict, never applied
over it. Services first, then the JSON answers the queue reads and the pages a person sees."""

import uuid
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import ConflictError, DomainError
from pendamping.models import (
    AttendanceStatus,
    CommitmentVerification,
    MeetingStatus,
    P2k2Attendance,
    Submission,
    Visit,
)
from pendamping.rules import CommitmentFact, edit_conflicts, record_version
from pendamping.selectors import commitment_version
from pendamping.services.commitments import commitment_record
from pendamping.services.p2k2 import p2k2_meeting_hold
from tests.factories import AnggotaFactory, KpmFactory
from tests.pendamping.test_commitments import child, toddler
from tests.pendamping.test_p2k2 import p2k2_catalogue  # noqa: F401  (autouse)
from tests.pendamping.test_p2k2_views import group_of, meeting_of

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
HADIR, IZIN, ABSEN = AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT
QUEUE = {"HTTP_X_ANTRIAN": "1"}
CHECKED = CommitmentFact(checkup_done=True)


# --- rules -------------------------------------------------------------------------------


def test_a_version_follows_the_content_and_nothing_else():
    assert record_version("sekolah", 90, None) == record_version("sekolah", 90, None)
    assert record_version("sekolah", 90, None) != record_version("sekolah", 85, None)
    assert record_version("a", "b") != record_version("ab")  # parts never run together
    assert record_version(None) == record_version("")
    assert len(record_version("x")) == 16


@pytest.mark.parametrize(
    ("base", "current", "same", "conflict"),
    [
        (None, "v2", False, False),  # a form without a base version is not checked
        ("v1", "v1", False, False),  # nobody changed it: the edit applies
        ("v1", "v2", False, True),  # changed meanwhile and changed again: ask
        ("v1", "v2", True, False),  # changed meanwhile to what this edit says: nothing lost
        ("", "v2", False, True),  # empty when opened, recorded by someone since
    ],
)
def test_an_edit_conflicts_only_when_it_would_overwrite_a_change(base, current, same, conflict):
    assert edit_conflicts(base=base, current=current, same_as_current=same) is conflict


# --- commitments -------------------------------------------------------------------------


def record(world, entries, *, key=None, base=None, actor=None):
    return commitment_record(
        kpm=world.kpm_own, month=MONTH, entries=entries,
        actor=actor or world.pendamping_kota.user, idempotency_key=key, base_versions=base,
    )  # fmt: skip


def test_three_replays_of_a_commitment_key_write_once(world):
    pupil, small = child(world.kpm_own), toddler(world.kpm_own)
    key = uuid.uuid4()
    entries = {pupil.pk: CommitmentFact(attendance_pct=90), small.pk: CHECKED}
    first = record(world, entries, key=key)
    audit_after_first = AuditEvent.objects.count()
    for _ in range(2):
        again = record(world, entries, key=key)
        assert again.written == 0
    assert first.written == 2
    assert CommitmentVerification.objects.filter(kpm=world.kpm_own).count() == 2
    assert AuditEvent.objects.count() == audit_after_first
    kept = Submission.objects.get(key=key)
    assert (kept.kind, kept.kpm_id, kept.month, kept.written) == (
        "komitmen", world.kpm_own.pk, MONTH, 2,
    )  # fmt: skip


def test_a_replay_with_other_values_still_writes_nothing(world):
    """The key names one submission: what was accepted under it stays what it was."""
    pupil = child(world.kpm_own)
    key = uuid.uuid4()
    record(world, {pupil.pk: CommitmentFact(attendance_pct=90)}, key=key)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=10)}, key=key)
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 90


def test_a_key_used_for_another_kpm_is_refused(world):
    pupil = child(world.kpm_own)
    other = KpmFactory.create(pendamping=world.pendamping_kota)
    other_child = child(other)
    key = uuid.uuid4()
    record(world, {pupil.pk: CommitmentFact(attendance_pct=90)}, key=key)
    with pytest.raises(DomainError) as refused:
        commitment_record(
            kpm=other, month=MONTH, entries={other_child.pk: CommitmentFact(attendance_pct=95)},
            actor=world.pendamping_kota.user, idempotency_key=key,
        )  # fmt: skip
    assert refused.value.code == "idempotency_key_reused"
    assert not CommitmentVerification.objects.filter(kpm=other).exists()


def test_a_month_changed_meanwhile_is_a_conflict_and_nothing_is_written(world):
    pupil, small = child(world.kpm_own), toddler(world.kpm_own)
    opened = {pupil.pk: "", small.pk: ""}  # the phone opened the grid while nothing was recorded
    record(world, {pupil.pk: CommitmentFact(attendance_pct=70)}, actor=world.dinsos_kota)
    with pytest.raises(ConflictError) as conflict:
        record(
            world,
            {pupil.pk: CommitmentFact(attendance_pct=95), small.pk: CHECKED},
            key=uuid.uuid4(),
            base=opened,
        )
    [difference] = conflict.value.differences
    assert difference.label == pupil.nama
    assert difference.server.startswith("70%") and "dinsos_kota" in difference.server
    assert difference.yours == "95%"
    row = CommitmentVerification.objects.get(anggota=pupil)
    assert row.attendance_pct == 70
    assert not CommitmentVerification.objects.filter(anggota=small).exists()
    assert not Submission.objects.exists()
    assert conflict.value.versions == {f"versi_{pupil.pk}": commitment_version(row),
                                       f"versi_{small.pk}": ""}  # fmt: skip


def test_choosing_mine_resends_with_the_servers_versions_and_applies(world):
    pupil = child(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=70)}, actor=world.dinsos_kota)
    mine = {pupil.pk: CommitmentFact(attendance_pct=95)}
    with pytest.raises(ConflictError) as conflict:
        record(world, mine, base={pupil.pk: ""})
    versions = {pupil.pk: conflict.value.versions[f"versi_{pupil.pk}"]}
    assert record(world, mine, key=uuid.uuid4(), base=versions).written == 1
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 95


def test_a_change_to_the_same_value_is_no_conflict(world):
    pupil = child(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=95)}, actor=world.dinsos_kota)
    result = record(world, {pupil.pk: CommitmentFact(attendance_pct=95)}, base={pupil.pk: ""})
    assert result.written == 0


def test_a_member_left_empty_never_conflicts(world):
    pupil, small = child(world.kpm_own), toddler(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=70)}, actor=world.dinsos_kota)
    entries = {pupil.pk: CommitmentFact(), small.pk: CommitmentFact(checkup_done=True)}
    assert record(world, entries, base={pupil.pk: "", small.pk: ""}).written == 1
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 70


# --- roll-calls --------------------------------------------------------------------------


@pytest.fixture
def meeting(world):
    extra = KpmFactory.create(pendamping=world.pendamping_kota)
    AnggotaFactory(kpm=extra, pengurus=True)
    group = group_of(world.pendamping_kota, [world.kpm_own, extra])
    return meeting_of(group, on=TODAY)


def roll(world, meeting, statuses):
    kpms = sorted(meeting.group.members.all(), key=lambda k: k.pk)
    return {kpm.pk: status for kpm, status in zip(kpms, statuses, strict=True)}


def hold(world, meeting, attendance, *, key=None, base=None, actor=None):
    return p2k2_meeting_hold(
        meeting=meeting, held_on=TODAY, attendance=attendance,
        actor=actor or world.pendamping_kota.user, idempotency_key=key, base_version=base,
    )  # fmt: skip


def opened_version(meeting):
    from pendamping.forms_p2k2 import RollCallForm
    from pendamping.selectors import p2k2_meeting_roll

    return RollCallForm(meeting=meeting, roll=p2k2_meeting_roll(meeting)).initial["versi"]


def test_three_replays_of_a_roll_call_write_once(world, meeting):
    key, base = uuid.uuid4(), opened_version(meeting)
    attendance = roll(world, meeting, [HADIR, IZIN])
    for _ in range(3):
        hold(world, meeting, attendance, key=key, base=base)
    assert P2k2Attendance.objects.filter(meeting=meeting).count() == 2
    assert Submission.objects.get(key=key).meeting_id == meeting.pk
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def test_a_roll_call_held_elsewhere_meanwhile_is_a_conflict(world, meeting):
    base = opened_version(meeting)
    hold(world, meeting, roll(world, meeting, [HADIR, HADIR]), actor=world.admin)
    mine = roll(world, meeting, [HADIR, ABSEN])
    with pytest.raises(ConflictError) as conflict:
        hold(world, meeting, mine, key=uuid.uuid4(), base=base)
    [difference] = conflict.value.differences
    assert (difference.server, difference.yours) == ("Hadir", "Tidak hadir")
    assert sorted(P2k2Attendance.objects.values_list("status", flat=True)) == [HADIR, HADIR]
    hold(world, meeting, mine, key=uuid.uuid4(), base=conflict.value.versions["versi"])
    assert sorted(P2k2Attendance.objects.values_list("status", flat=True)) == [HADIR, ABSEN]


def test_the_same_roll_call_sent_twice_under_two_keys_is_no_conflict(world, meeting):
    base = opened_version(meeting)
    attendance = roll(world, meeting, [HADIR, IZIN])
    hold(world, meeting, attendance, key=uuid.uuid4(), base=base)
    hold(world, meeting, attendance, key=uuid.uuid4(), base=base)
    assert P2k2Attendance.objects.filter(meeting=meeting).count() == 2


# --- the queue's JSON answers ------------------------------------------------------------


def visit_post(client, world, key, **extra):
    data = {
        "visited_on": TODAY.isoformat(), "purposes": ["verifikasi_komitmen"],
        "notes": "Dikirim dari antrian.", "idempotency_key": str(key), **extra,
    }  # fmt: skip
    url = reverse("kunjungan:create", args=[world.kpm_own.kpm_id])
    return client.post(url, data, **QUEUE)


def test_a_queued_visit_is_saved_once_and_a_replay_says_so(client, world):
    client.force_login(world.pendamping_kota.user)
    key = uuid.uuid4()
    answers = [visit_post(client, world, key) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    bodies = [a.json() for a in answers]
    assert [b["status"] for b in bodies] == ["tersimpan"] * 3
    assert [b["ulang"] for b in bodies] == [False, True, True]
    assert bodies[0]["kembali"] == reverse("kpm:profile", args=[world.kpm_own.kpm_id])
    assert Visit.objects.filter(kpm=world.kpm_own).count() == 1


def test_a_refused_queued_visit_answers_every_reason_and_saves_nothing(client, world):
    client.force_login(world.pendamping_kota.user)
    future = date(TODAY.year + 1, 1, 1).isoformat()
    answer = visit_post(client, world, uuid.uuid4(), visited_on=future, purposes=[])
    body = answer.json()
    assert answer.status_code == 400 and body["status"] == "ditolak"
    assert any("Tujuan kunjungan" in reason for reason in body["galat"])
    assert any("Tanggal kunjungan" in reason for reason in body["galat"])
    assert not Visit.objects.exists()


def test_a_queued_visit_to_a_kpm_out_of_scope_is_404(client, world):
    client.force_login(world.pendamping_kab.user)
    assert visit_post(client, world, uuid.uuid4()).status_code == 404


def grid_url(world):
    return reverse("komitmen:grid", args=[world.kpm_own.kpm_id]) + f"?bulan={MONTH:%Y-%m}"


def test_a_queued_commitment_conflict_answers_both_sides_and_the_versions(client, world):
    pupil = child(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=70)}, actor=world.dinsos_kota)
    client.force_login(world.pendamping_kota.user)
    data = {
        f"anggota_{pupil.pk}": "95", f"versi_{pupil.pk}": "",
        "idempotency_key": str(uuid.uuid4()),
    }  # fmt: skip
    answer = client.post(grid_url(world), data, **QUEUE)
    body = answer.json()
    assert answer.status_code == 409 and body["status"] == "konflik"
    assert body["beda"][0]["anda"] == "95%" and body["beda"][0]["server"].startswith("70%")
    current = commitment_version(CommitmentVerification.objects.get(anggota=pupil))
    assert body["versi"] == {f"versi_{pupil.pk}": current}
    data[f"versi_{pupil.pk}"] = current  # "Pakai data saya"
    assert client.post(grid_url(world), data, **QUEUE).json()["status"] == "tersimpan"
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 95


def test_the_grid_page_shows_a_conflict_and_saving_again_keeps_mine(client, world):
    pupil = child(world.kpm_own)
    client.force_login(world.pendamping_kota.user)
    page = client.get(grid_url(world))
    opened = page.content.decode()
    assert f'name="versi_{pupil.pk}"' in opened
    record(world, {pupil.pk: CommitmentFact(attendance_pct=70)}, actor=world.dinsos_kota)
    data = {f"anggota_{pupil.pk}": "95", f"versi_{pupil.pk}": ""}
    shown = client.post(grid_url(world), data)
    html = shown.content.decode()
    assert shown.status_code == 409
    assert "Data komitmen di server berubah" in html and "Pakai data server" in html
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 70
    current = commitment_version(CommitmentVerification.objects.get(anggota=pupil))
    assert f'value="{current}"' in html  # saving the shown form again means "keep mine"
    data[f"versi_{pupil.pk}"] = current
    assert client.post(grid_url(world), data).status_code == 302
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 95


def test_a_queued_roll_call_replays_once_and_conflicts_answer_409(client, world, meeting):
    client.force_login(world.pendamping_kota.user)
    url = reverse("p2k2:meeting", args=[meeting.pk])
    base = opened_version(meeting)
    data = {"held_on": TODAY.isoformat(), "idempotency_key": str(uuid.uuid4()), "versi": base}
    data |= {f"kpm_{pk}": status for pk, status in roll(world, meeting, [HADIR, IZIN]).items()}
    bodies = [client.post(url, data, **QUEUE).json() for _ in range(3)]
    assert [b["ulang"] for b in bodies] == [False, True, True]
    assert bodies[0]["kembali"] == reverse("p2k2:group", args=[meeting.group_id])
    assert P2k2Attendance.objects.filter(meeting=meeting).count() == 2
    other = {**data, "idempotency_key": str(uuid.uuid4())}
    other |= {f"kpm_{pk}": ABSEN for pk in roll(world, meeting, [HADIR, IZIN])}
    answer = client.post(url, other, **QUEUE)
    assert answer.status_code == 409 and len(answer.json()["beda"]) == 2
    page = client.post(url, other)
    assert page.status_code == 409 and "Daftar hadir di server berubah" in page.content.decode()
