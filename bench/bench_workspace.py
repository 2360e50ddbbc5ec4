"""The pendamping's caseload and KPM profile pages on a 500-KPM caseload: server time (median,
p95) and query count, through Django's full request path in-process. Baseline, same run: the
same pages for a 25-KPM caseload, so growth with caseload size shows."""

from __future__ import annotations

from collections.abc import Callable

from bench.common import Measurement, timings

BIG, SMALL, REPEATS = 500, 25, 40


def _caseload(size: int, username: str):
    """A pendamping of Kota Kediri owning `size` of the seeded KPM."""
    from kpm.models import Kpm
    from pendamping.models import Pendamping
    from pengguna.models import Role, User

    user = User.objects.create_user(username=username, password="x", role=Role.PENDAMPING)
    pendamping = Pendamping.objects.create(user=user, kabupaten_id="35.71")
    ids = list(
        Kpm.objects.filter(pendamping__isnull=False, kabupaten_code="35.71")
        .exclude(pendamping__user__username__startswith="bench.")
        .order_by("id")
        .values_list("id", flat=True)[:size]
    )
    Kpm.objects.filter(id__in=ids).update(pendamping=pendamping)
    return user, list(Kpm.objects.filter(id__in=ids).values_list("kpm_id", flat=True))


def _measure(get: Callable[[int], object]) -> tuple[float, float, int]:
    """Median and p95 milliseconds over REPEATS requests, and the queries of one request."""
    return timings(get, repeats=REPEATS)


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _pages(user, kpm_ids: list[str]) -> dict[str, tuple[float, float, int]]:
    from django.urls import reverse

    client = _client_for(user)

    def caseload(_i: int) -> object:
        response = client.get(reverse("kpm:caseload"))
        assert response.status_code == 200, response.status_code
        return response

    def profile(i: int) -> object:
        response = client.get(reverse("kpm:profile", args=[kpm_ids[i % len(kpm_ids)]]))
        assert response.status_code == 200, response.status_code
        return response

    return {"caseload": _measure(caseload), "profile": _measure(profile)}


def run(options) -> list[Measurement]:
    from django.core.management import call_command

    call_command("load_wilayah", verbosity=0)
    call_command("seed_demo", "--seed", "7", "--today", "2026-11-01", verbosity=0)
    big = _pages(*_caseload(BIG, "bench.besar"))
    small = _pages(*_caseload(SMALL, "bench.kecil"))
    results = []
    for page in ("caseload", "profile"):
        (median, p95, queries), (s_median, s_p95, s_queries) = big[page], small[page]
        results.append(
            Measurement(
                name=f"{page} page, {BIG}-KPM caseload, median / p95",
                value=median, unit="ms", baseline=s_median,
                baseline_label=f"{SMALL}-KPM caseload median; p95 {s_p95:.1f} ms",
                note=f"p95 {p95:.1f} ms; {queries} queries ({s_queries} at {SMALL} KPM)",
            )
        )  # fmt: skip
    return results
