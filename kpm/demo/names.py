"""Name and street pools drawn once from Faker('id_ID'); rows then pick from them by index.

Calling Faker for each of four million members would take minutes; picking from a pool of a
few hundred entries per kind costs a list index.
"""

from __future__ import annotations

from dataclasses import dataclass

POOL_DRAWS = 600  # draws per kind; duplicates are kept out


@dataclass(frozen=True)
class NamePools:
    """Plain tuples of strings, picklable for generator processes."""

    male_first: tuple[str, ...]
    male_last: tuple[str, ...]
    female_first: tuple[str, ...]
    female_last: tuple[str, ...]
    streets: tuple[str, ...]


def _clean(value: str) -> str:
    """A name safe for COPY text: no tab, newline or backslash."""
    return " ".join(value.replace("\\", " ").split())


def _distinct(draw, count: int) -> tuple[str, ...]:
    """Up to `count` distinct values from `draw`, in first-drawn order."""
    seen: dict[str, None] = {}
    for _ in range(count):
        seen.setdefault(_clean(draw()), None)
    return tuple(seen)


def name_pools(seed: int) -> NamePools:
    """Pools drawn from a Faker('id_ID') seeded with `seed`: same seed, same pools."""
    from faker import Faker

    fake = Faker("id_ID")
    fake.seed_instance(seed)
    return NamePools(
        male_first=_distinct(fake.first_name_male, POOL_DRAWS),
        male_last=_distinct(fake.last_name_male, POOL_DRAWS),
        female_first=_distinct(fake.first_name_female, POOL_DRAWS),
        female_last=_distinct(fake.last_name_female, POOL_DRAWS),
        streets=_distinct(fake.street_name, POOL_DRAWS),
    )
