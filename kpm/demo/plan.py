"""How many KPM and pendamping go where, and which database ids they get. Pure: the caller
reads the regions and the highest ids in use, and passes them in."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

DEFAULT_KABUPATEN = ("35.71",)  # Kota Kediri: 3 kecamatan, 46 kelurahan
DEFAULT_KPM = 3_000  # per kabupaten when --kpm is not given
DEFAULT_PENDAMPING = 29  # per DEFAULT_KPM: Kota Kediri's facilitators
KPM_PER_PENDAMPING = 300  # with --kpm: about one pendamping per 300 KPM


@dataclass(frozen=True)
class KecamatanPlan:
    """One kecamatan's share: its desa and KPM counts, and where its ids start."""

    code: str
    kabupaten_code: str
    desa_counts: tuple[tuple[str, int], ...]
    first_kpm_pk: int
    first_serial: int  # 1-based number of its first KPM within the kabupaten (kpm_id)
    kabupaten_kpm: int
    pendamping: tuple[tuple[int, int], ...]  # (pendamping pk, user pk) of the kabupaten
    taken_niks: frozenset[str] = frozenset()

    @property
    def kpm_count(self) -> int:
        return sum(count for _, count in self.desa_counts)

    def pendamping_for(self, serial: int) -> tuple[int, int] | None:
        """The pendamping of the kabupaten's KPM number `serial` (1-based), in even blocks."""
        if not self.pendamping:
            return None
        return self.pendamping[(serial - 1) * len(self.pendamping) // self.kabupaten_kpm]


@dataclass(frozen=True)
class PendampingPlan:
    pk: int
    user_pk: int
    username: str
    kabupaten_code: str
    desa_served: tuple[str, ...]


@dataclass(frozen=True)
class IdBase:
    """The highest ids in use; the plan numbers its rows after them."""

    user: int = 0
    pendamping: int = 0
    kpm: int = 0


@dataclass(frozen=True)
class SeedPlan:
    seed: int
    today: date
    kecamatan: tuple[KecamatanPlan, ...]
    pendamping: tuple[PendampingPlan, ...]
    ids: IdBase

    @property
    def kpm_count(self) -> int:
        return sum(k.kpm_count for k in self.kecamatan)

    @property
    def first_login_pk(self) -> int:
        """The first user id after the pendamping users, for the demo logins."""
        return self.ids.user + len(self.pendamping) + 1


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights`, largest remainders first; sums to `total`."""
    if not weights:
        return []
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan_counts(
    kpm: int | None, desa_per_kabupaten: Mapping[str, int]
) -> dict[str, tuple[int, int]]:
    """KPM and pendamping per kabupaten: the demo default (3,000 and 29 each), or `kpm`
    spread by number of desa with one pendamping per 300 KPM."""
    if kpm is None:
        return dict.fromkeys(desa_per_kabupaten, (DEFAULT_KPM, DEFAULT_PENDAMPING))
    shares = apportion(kpm, list(desa_per_kabupaten.values()))
    return {
        code: (n, max(1, round(n / KPM_PER_PENDAMPING)) if n else 0)
        for code, n in zip(desa_per_kabupaten, shares, strict=True)
    }


def desa_counts(seed: int, kabupaten: str, desa: Sequence[str], total: int) -> list[int]:
    """KPM per desa: uneven but deterministic, as real villages differ in size."""
    rng = random.Random(f"{seed}:desa:{kabupaten}")
    return apportion(total, [rng.uniform(0.4, 1.6) for _ in desa])


def seed_plan(
    *,
    seed: int,
    today: date,
    kpm: int | None,
    desa_by_kabupaten: Mapping[str, Sequence[str]],
    ids: IdBase = IdBase(),
    lead_username: str | None = None,
    taken_niks: Mapping[str, frozenset[str]] | None = None,
) -> SeedPlan:
    """Every kecamatan's share and every pendamping, numbered after `ids`. The first
    pendamping of the first kabupaten is named `lead_username` when given."""
    counts = plan_counts(kpm, {code: len(desa) for code, desa in desa_by_kabupaten.items()})
    kecamatan: list[KecamatanPlan] = []
    staff: list[PendampingPlan] = []
    next_kpm = ids.kpm + 1
    for kab, unsorted in desa_by_kabupaten.items():
        desa = sorted(unsorted)
        total, pendamping = counts[kab]
        per_desa = desa_counts(seed, kab, desa, total)
        first = len(staff) + 1
        staff += _pendamping(kab, desa, per_desa, pendamping, ids, first)
        pks = tuple((p.pk, p.user_pk) for p in staff[first - 1 :])
        kecamatan += _kecamatan(kab, desa, per_desa, next_kpm, pks, taken_niks or {})
        next_kpm += total
    if lead_username and staff:
        staff[0] = PendampingPlan(**{**staff[0].__dict__, "username": lead_username})
    return SeedPlan(
        seed=seed, today=today, kecamatan=tuple(kecamatan), pendamping=tuple(staff), ids=ids
    )


def _pendamping(kab, desa, per_desa, count, ids: IdBase, first: int) -> list[PendampingPlan]:
    """`count` pendamping for one kabupaten, each serving the desa of its block of KPM."""
    total = sum(per_desa)
    served: list[list[str]] = [[] for _ in range(count)]
    start = 0
    for code, n in zip(desa, per_desa, strict=True):
        if n:
            for j in range(start * count // total, (start + n - 1) * count // total + 1):
                served[j].append(code)
        start += n
    short = kab.replace(".", "")
    return [
        PendampingPlan(
            pk=ids.pendamping + first + j,
            user_pk=ids.user + first + j,
            username=f"pendamping.{short}.{j + 1:03d}",
            kabupaten_code=kab,
            desa_served=tuple(served[j]),
        )
        for j in range(count)
    ]


def _kecamatan(kab, desa, per_desa, first_pk: int, pendamping, taken) -> list[KecamatanPlan]:
    """Consecutive desa grouped by kecamatan, with where each group's ids start."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for code, n in zip(desa, per_desa, strict=True):
        groups.setdefault(code[:8], []).append((code, n))
    plans, done, total = [], 0, sum(per_desa)
    for code, counts in groups.items():
        plans.append(
            KecamatanPlan(
                code=code,
                kabupaten_code=kab,
                desa_counts=tuple(counts),
                first_kpm_pk=first_pk + done,
                first_serial=done + 1,
                kabupaten_kpm=total,
                pendamping=pendamping,
                taken_niks=taken.get(code, frozenset()),
            )
        )
        done += sum(n for _, n in counts)
    return plans
