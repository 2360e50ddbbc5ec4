"""Offline field mode end to end in Debian's Chromium against a live server.

The browser reaches the server through a relay whose signal the test cuts (tests.browser
SignalProxy), so the page and the service worker both lose the network, and Playwright's
offline switch tells the page (navigator.onLine and the "online" event). A pendamping opens the
caseload, loses signal, logs three visits and one roll-call, reloads, and gets signal back:
exactly three visits and one roll-call exist, and sending the same queue again creates nothing.
A conflict is shown with both sides and settled by the pendamping's choice.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from audit.models import AuditEvent
from kpm.models import Anggota, Kpm, KpmStatus, Relationship, SchoolLevel, Sex
from luring import views as luring_views
from pendamping.models import (
    AttendanceStatus,
    CommitmentVerification,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Session,
    Submission,
    Visit,
)
from pendamping.rules import CommitmentFact
from pendamping.services.commitments import commitment_record
from tests.browser import SignalProxy, outside, record_requests, scroll_width
from tests.conftest import DESA_KOTA_KEDIRI, live_db
from tests.factories import AnggotaFactory
from tests.test_workspace_browser import (  # noqa: F401  (_seeded_rows: autouse)
    PHONE,
    _seeded_rows,
    neighbour,
    sign_in,
    snap,
)

pytestmark = [pytest.mark.browser, live_db]

# The smallest PNG there is: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

QUEUE_READ = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("pkh-luring", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const read = open.result.transaction("antrian").objectStore("antrian").getAll();
    read.onsuccess = () => { open.result.close(); resolve(read.result); };
  };
})"""
QUEUE_PUT_BACK = """(items) => new Promise((resolve, reject) => {
  const open = indexedDB.open("pkh-luring", 1);
  open.onsuccess = () => {
    const tx = open.result.transaction("antrian", "readwrite");
    items.forEach((item) => tx.objectStore("antrian").put({...item, status: "menunggu"}));
    tx.oncomplete = () => { open.result.close(); resolve(items.length); };
    tx.onerror = () => reject(tx.error);
  };
})"""
KEPT_PAGES = """async () => {
  const cache = await caches.open("pkh-halaman");
  return (await cache.keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search);
}"""


@pytest.fixture
def proxy(live_server):
    relay = SignalProxy(live_server.url)
    yield relay
    relay.close()


@pytest.fixture
def field(world):
    """pendamping_kota's caseload in one desa: kpm_own and two neighbours, a P2K2 group of
    the three and a meeting planned for today."""
    kpms = [
        world.kpm_own,
        neighbour(world.pendamping_kota, "KDR-TIGA", "Siti Aminah"),
        neighbour(world.pendamping_kota, "KDR-EMPAT", "Dewi Lestari"),
    ]
    group = P2k2Group.objects.create(
        pendamping=world.pendamping_kota, name="Melati", desa_id=DESA_KOTA_KEDIRI
    )
    group.members.set(kpms)
    session = P2k2Session.objects.get(module__code="kesehatan", number=1)
    meeting = P2k2Meeting.objects.create(
        group=group, session=session, scheduled_on=timezone.localdate()
    )
    return kpms, meeting


def signal_lost(context: BrowserContext, proxy: SignalProxy) -> None:
    proxy.signal_lost()
    context.set_offline(True)


def signal_back(context: BrowserContext, proxy: SignalProxy) -> None:
    proxy.signal_back()
    context.set_offline(False)


def ready_offline(page: Page, proxy: SignalProxy, username: str) -> None:
    """Sign in, wait for the service worker, open the caseload and let it keep the pages."""
    sign_in(page, proxy, username)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{proxy.url}/kpm/")
    expect(page.locator("#siapkan-status")).to_contain_text("Siap luring", timeout=30_000)


def sent(page: Page, seconds: float = 20) -> None:
    """Wait until the phone's queue is empty: everything was delivered or discarded."""
    deadline = time.monotonic() + seconds
    while page.evaluate(QUEUE_READ):
        assert time.monotonic() < deadline, f"still queued: {page.evaluate(QUEUE_READ)}"
        page.wait_for_timeout(100)
    expect(waiting(page)).to_have_text("Tidak ada kiriman yang menunggu")


def waiting(page: Page):
    return page.locator("#antrian .antrian-jumlah")


def log_visit(page: Page, proxy: SignalProxy, kpm_id: str, notes: str) -> None:
    page.goto(f"{proxy.url}/kunjungan/{kpm_id}/baru/")
    expect(page.locator("h1")).to_have_text("Catat kunjungan rumah")
    page.get_by_label("Verifikasi komitmen").check()
    page.get_by_label("Catatan").fill(notes)
    page.get_by_role("button", name="Simpan kunjungan").click()
    expect(page.locator("h1")).to_have_text(f"KPM {kpm_id}")
    expect(page.locator("#antrian .antrian-pesan")).to_contain_text("disimpan di HP ini")


def test_visits_and_a_roll_call_made_offline_arrive_once(
    page: Page, context: BrowserContext, proxy, world, field
):
    kpms, meeting = field
    seen = record_requests(page)
    page.set_viewport_size(PHONE)
    ready_offline(page, proxy, "pendamping_kota")
    kept = page.evaluate(KEPT_PAGES)
    assert f"/kpm/{world.kpm_own.kpm_id}/" in kept
    assert f"/kunjungan/{kpms[2].kpm_id}/baru/" in kept
    assert f"/p2k2/pertemuan/{meeting.pk}/" in kept
    assert not [u for u in kept if world.kpm_same_district.kpm_id in u]  # nobody else's

    signal_lost(context, proxy)
    for kpm in kpms:
        log_visit(page, proxy, kpm.kpm_id, f"Kunjungan luring ke {kpm.kpm_id}.")
    expect(waiting(page)).to_have_text("3 menunggu dikirim")
    page.goto(f"{proxy.url}/p2k2/pertemuan/{meeting.pk}/")
    page.locator("fieldset").filter(has_text=kpms[1].kpm_id).get_by_label("Izin").check()
    page.get_by_role("button", name="Simpan kehadiran").click()
    expect(page.locator("h1")).to_have_text("Melati")
    expect(page.locator("#antrian .antrian-luring")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"]

    page.reload()  # still offline: the queue is on the phone, not in the page
    expect(waiting(page)).to_have_text("4 menunggu dikirim")
    snap(page, "offline-queue")
    queue = page.evaluate(QUEUE_READ)
    assert len(queue) == 4 and len({item["key"] for item in queue}) == 4
    assert not Visit.objects.exists() and not P2k2Attendance.objects.exists()

    signal_back(context, proxy)
    sent(page)
    expect(page.locator("#antrian .antrian-terakhir")).to_contain_text("Terakhir terkirim")
    assert sorted(Visit.objects.values_list("kpm__kpm_id", flat=True)) == sorted(
        k.kpm_id for k in kpms
    )
    assert set(Visit.objects.values_list("notes", flat=True)) == {
        f"Kunjungan luring ke {k.kpm_id}." for k in kpms
    }
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert dict(P2k2Attendance.objects.values_list("kpm_id", "status")) == {
        kpms[0].pk: AttendanceStatus.PRESENT,
        kpms[1].pk: AttendanceStatus.EXCUSED,
        kpms[2].pk: AttendanceStatus.PRESENT,
    }
    audited = AuditEvent.objects.count()

    # The same queue sent again, as a phone that lost the answers would: nothing more.
    assert page.evaluate(QUEUE_PUT_BACK, queue) == 4
    page.reload()
    sent(page)
    assert Visit.objects.count() == 3
    assert P2k2Attendance.objects.count() == 3
    assert Submission.objects.count() == 1
    assert AuditEvent.objects.count() == audited
    assert outside(seen) == []  # no request of the page left this machine


def pupil_of(kpm) -> Anggota:
    return AnggotaFactory.create(
        kpm=kpm, nama="Rizky Wibowo", hubungan=Relationship.CHILD, jenis_kelamin=Sex.MALE,
        tanggal_lahir=date(2016, 3, 14), jenjang_sekolah=SchoolLevel.SD,
    )  # fmt: skip


def test_on_a_weak_signal_a_form_is_kept_with_its_photo_and_sent_with_the_button(
    page: Page, context: BrowserContext, proxy, world, field, tmp_path, settings
):
    """The phone believes it is online but nothing gets through: the form is kept, photo and
    all, and the "Kirim sekarang" button sends it once the signal is back."""
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "rumah.png"
    photo.write_bytes(PNG)
    ready_offline(page, proxy, "pendamping_kota")
    proxy.signal_lost()  # no offline event: navigator.onLine stays true
    page.goto(f"{proxy.url}/kunjungan/{world.kpm_own.kpm_id}/baru/")
    page.get_by_label("Verifikasi komitmen").check()
    page.get_by_label("Catatan").fill("Sinyal lemah di dusun.")
    page.get_by_label("Foto (pilihan)").set_input_files(str(photo))
    page.get_by_role("button", name="Simpan kunjungan").click()
    expect(page.locator("#antrian .antrian-pesan")).to_contain_text("disimpan di HP ini")
    page.reload()
    expect(waiting(page)).to_have_text("1 menunggu dikirim")  # tried on load, in vain
    [kept] = page.evaluate(QUEUE_READ)
    assert "photo" in [pair[0] for pair in kept["isian"]] and not Visit.objects.exists()

    expect(page.locator("#antrian")).to_have_attribute("data-sibuk", "0")  # no pass under way
    proxy.signal_back()
    page.get_by_role("button", name="Kirim sekarang").click()
    sent(page)
    visit = Visit.objects.get()
    assert visit.notes == "Sinyal lemah di dusun."
    with visit.photo.open("rb") as stored:
        assert stored.read() == PNG


def test_a_queue_sent_after_the_session_ended_waits_for_the_same_user_to_sign_in(
    page: Page, context: BrowserContext, proxy, world, field
):
    ready_offline(page, proxy, "pendamping_kota")
    signal_lost(context, proxy)
    log_visit(page, proxy, world.kpm_own.kpm_id, "Dicatat saat sesi berakhir.")
    Session.objects.all().delete()  # hours without signal: the session ended meanwhile

    signal_back(context, proxy)
    waiting_for_sign_in = page.locator("#antrian .antrian-perlu-masuk")
    expect(waiting_for_sign_in).to_contain_text("Masuk lagi untuk mengirim", timeout=20_000)
    expect(waiting(page)).to_have_text("1 menunggu dikirim")
    assert not Visit.objects.exists()

    sign_in(page, proxy, "pendamping_kota")
    sent(page)
    assert Visit.objects.get().notes == "Dicatat saat sesi berakhir."


def test_a_form_kept_yesterday_offers_today(page: Page, context: BrowserContext, proxy, world):
    ready_offline(page, proxy, "pendamping_kota")
    signal_lost(context, proxy)
    kept_on = timezone.localdate()
    tomorrow = datetime.combine(kept_on + timedelta(days=1), datetime.min.time()).replace(hour=9)
    page.clock.install(time=tomorrow)  # the phone's clock, a day after the page was kept
    page.goto(f"{proxy.url}/kunjungan/{world.kpm_own.kpm_id}/baru/")
    visited_on = page.get_by_label("Tanggal kunjungan")
    expect(visited_on).to_have_value(tomorrow.date().isoformat())
    expect(visited_on).to_have_attribute("max", tomorrow.date().isoformat())


def test_a_conflict_is_shown_with_both_sides_and_the_pendamping_chooses(
    page: Page, context: BrowserContext, proxy, world, field
):
    pupil = pupil_of(world.kpm_own)
    month = timezone.localdate().replace(day=1)
    grid = f"{proxy.url}/komitmen/{world.kpm_own.kpm_id}/"
    page.set_viewport_size(PHONE)
    ready_offline(page, proxy, "pendamping_kota")

    signal_lost(context, proxy)
    page.goto(grid)
    page.get_by_label("Rizky Wibowo: Kehadiran sekolah (%)").fill("90")
    page.get_by_role("button", name="Simpan verifikasi").click()
    expect(waiting(page)).to_have_text("1 menunggu dikirim")

    # Meanwhile the Dinsos officer records this month for the same child.
    commitment_record(
        kpm=world.kpm_own, month=month, actor=world.dinsos_kota,
        entries={pupil.pk: CommitmentFact(attendance_pct=70)},
    )  # fmt: skip

    signal_back(context, proxy)
    conflict = page.locator("#antrian .antrian-konflik")
    expect(conflict).to_contain_text("Data komitmen di server berubah", timeout=20_000)
    row = conflict.locator("tbody tr").filter(has_text="Rizky Wibowo")
    expect(row.locator("td").nth(0)).to_contain_text("70%")
    expect(row.locator("td").nth(1)).to_have_text("90%")
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 70  # untouched
    expect(waiting(page)).to_have_text("1 kiriman perlu keputusan Anda", timeout=20_000)
    snap(page, "offline-conflict")  # nothing scrolls sideways at 360 px

    conflict.get_by_role("button", name="Pakai data saya").click()
    sent(page)
    expect(conflict).to_have_count(0)
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 90

    # Again, and this time the server's value is kept.
    signal_lost(context, proxy)
    page.goto(grid)
    page.get_by_label("Rizky Wibowo: Kehadiran sekolah (%)").fill("60")
    page.get_by_role("button", name="Simpan verifikasi").click()
    expect(waiting(page)).to_have_text("1 menunggu dikirim")  # kept before the signal returns
    commitment_record(
        kpm=world.kpm_own, month=month, actor=world.dinsos_kota,
        entries={pupil.pk: CommitmentFact(attendance_pct=88)},
    )  # fmt: skip
    signal_back(context, proxy)
    expect(conflict).to_contain_text("88%", timeout=20_000)
    expect(waiting(page)).to_have_text("1 kiriman perlu keputusan Anda", timeout=20_000)
    conflict.get_by_role("button", name="Pakai data server").click()
    sent(page)
    expect(conflict).to_have_count(0)
    assert CommitmentVerification.objects.get(anggota=pupil).attendance_pct == 88


def test_a_refusal_stays_shown_and_signing_out_forgets_the_kept_pages_not_the_queue(
    page: Page, context: BrowserContext, proxy, world, field
):
    ready_offline(page, proxy, "pendamping_kota")
    signal_lost(context, proxy)
    log_visit(page, proxy, world.kpm_own.kpm_id, "Dicatat sebelum keluar.")
    Kpm.objects.filter(pk=world.kpm_own.pk).update(status=KpmStatus.EXITED)  # meanwhile

    signal_back(context, proxy)
    refused = page.locator("#antrian .antrian-ditolak")
    expect(refused).to_contain_text("sudah keluar dari PKH", timeout=20_000)
    expect(waiting(page)).to_have_text("1 kiriman perlu keputusan Anda", timeout=20_000)
    assert not Visit.objects.exists()

    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(f"{proxy.url}/masuk/**")
    assert page.evaluate(KEPT_PAGES) == []
    [kept] = page.evaluate(QUEUE_READ)  # undelivered work stays on the phone
    assert (kept["status"], kept["pengguna"]) == ("ditolak", "pendamping_kota")

    signal_lost(context, proxy)
    page.goto(f"{proxy.url}/kpm/{world.kpm_own.kpm_id}/")
    expect(page.locator("h1")).to_have_text("Halaman ini belum tersimpan di HP")
    with page.expect_navigation():  # the offline page loads the page asked for once it can
        signal_back(context, proxy)

    sign_in(page, proxy, "pendamping_kota")
    expect(refused).to_contain_text("sudah keluar dari PKH")
    refused.get_by_role("button", name="Buang kiriman ini").click()
    sent(page)
    expect(refused).to_have_count(0)
    assert not Visit.objects.exists()


def test_a_new_release_keeps_the_pages_again_then_drops_the_old_shell(
    page: Page, proxy, world, field, monkeypatch
):
    ready_offline(page, proxy, "pendamping_kota")
    [old] = [name for name in page.evaluate("caches.keys()") if name.startswith("pkh-shell-")]
    kept_before = set(page.evaluate(KEPT_PAGES))
    # A release with one more file in the shell: /sw.js changes, and the phone updates.
    monkeypatch.setattr(
        luring_views, "SHELL_ASSETS", (*luring_views.SHELL_ASSETS, "icons/icon-maskable-512.png")
    )
    page.evaluate("navigator.serviceWorker.getRegistration('/').then((r) => r.update())")
    deadline = time.monotonic() + 30
    while True:
        shells = [n for n in page.evaluate("caches.keys()") if n.startswith("pkh-shell-")]
        if len(shells) == 1 and shells != [old]:
            break
        assert time.monotonic() < deadline, f"shells: {shells}"
        page.wait_for_timeout(200)
    assert set(page.evaluate(KEPT_PAGES)) == kept_before  # kept again, none lost


def test_the_app_is_installable(page: Page, proxy, world):
    sign_in(page, proxy, "pendamping_kota")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest.get("errors"), manifest.get("errors")
    assert manifest["url"].endswith("/manifest.webmanifest")
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # A test browser's context is a private window, which Chrome never installs from.
    assert [e for e in errors if e["errorId"] != "in-incognito"] == []
