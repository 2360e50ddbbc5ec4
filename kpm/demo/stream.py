"""One kecamatan's random stream and the fast draws and date helpers the generator uses."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from kpm.demo.identity import SerialCounter, nik_birth_part
from kpm.demo.names import NamePools
from kpm.demo.plan import KecamatanPlan

T = TypeVar("T")


class Weights:
    """Keys with relative weights, prepared once for fast weighted draws."""

    def __init__(self, weights: dict) -> None:
        self.keys = tuple(weights)
        self.cum_weights = tuple(itertools.accumulate(weights.values()))
        self.total = self.cum_weights[-1]


# Formatting a date costs more than generating it, and a run touches only some 40,000 days.
_DAYS: dict[int, tuple[str, str, str]] = {}


class Stream:
    """Everything one kecamatan's generation needs: its random stream and date helpers."""

    def __init__(self, seed: int, today: date, plan: KecamatanPlan, pools: NamePools) -> None:
        self.rng = random.Random(f"{seed}:{plan.code}")
        self.random = self.rng.random
        self.today = today.toordinal()
        self.plan = plan
        self.pools = pools
        self.prefix = plan.code.replace(".", "")
        self.niks = SerialCounter(plan.taken_niks)
        self.kks = SerialCounter()
        self.stamp = f"{today.isoformat()} 00:00:00+07"
        self.age_floor = [_years_before(today, n).toordinal() for n in range(121)]

    def day(self, ordinal: int) -> tuple[str, str, str]:
        """ISO text of a date ordinal and its DDMMYY in a man's and in a woman's NIK."""
        parts = _DAYS.get(ordinal)
        if parts is None:
            day = date.fromordinal(ordinal)
            parts = (day.isoformat(), nik_birth_part(day, "L"), nik_birth_part(day, "P"))
            _DAYS[ordinal] = parts
        return parts

    def iso(self, ordinal: int | None) -> str | None:
        """ISO text of a date ordinal; None stays None."""
        return None if ordinal is None else self.day(ordinal)[0]

    def between(self, low: int, high: int) -> int:
        """A whole number from `low` to `high` inclusive (randint without its slow checks)."""
        return low + int(self.random() * (high - low + 1))

    def item(self, items: Sequence[T]) -> T:
        """One of `items`, evenly."""
        return items[int(self.random() * len(items))]

    def birth(self, age: int) -> int:
        """A birth date ordinal for someone exactly `age` years old today."""
        return self.between(self.age_floor[age + 1] + 1, self.age_floor[age])

    def pick(self, weights: Weights) -> Any:
        """One key of `weights`, drawn in proportion to its weight."""
        return weights.keys[bisect.bisect(weights.cum_weights, self.random() * weights.total)]


def _years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
