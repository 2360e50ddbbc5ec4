"""Areas a dashboard shows: the nation, a provinsi, a kabupaten, a kecamatan or one
pendamping's caseload; which one a user may open (pengguna.scoping.region_visible and
pendamping_visibility: out of scope is 404), and the way down and back up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from graduasi.models import RegionLevel
from pendamping.models import Pendamping
from pengguna.models import Role, User
from pengguna.scoping import DASHBOARD_ROLES, get_visible_or_404, region_visible
from wilayah.models import Kabupaten, Kecamatan, Provinsi

REGION_CODE = re.compile(r"[0-9]{2}(?:\.[0-9]{2}){0,2}")
LEVEL_BY_CODE_LENGTH = {
    2: RegionLevel.PROVINSI,
    5: RegionLevel.KABUPATEN,
    8: RegionLevel.KECAMATAN,
}
CHILD_LEVEL = {
    RegionLevel.NATION: RegionLevel.PROVINSI,
    RegionLevel.PROVINSI: RegionLevel.KABUPATEN,
    RegionLevel.KABUPATEN: RegionLevel.KECAMATAN,
    RegionLevel.KECAMATAN: RegionLevel.PENDAMPING,
}


@dataclass(frozen=True)
class Crumb:
    name: str
    url: str


@dataclass(frozen=True)
class Area:
    """One dashboard's subject. `code` is the region's code (empty for the nation); for a
    pendamping, their kabupaten's."""

    level: RegionLevel
    code: str
    name: str
    pendamping_id: int | None = None
    parents: tuple[Crumb, ...] = ()

    @property
    def child_level(self) -> RegionLevel | None:
        return CHILD_LEVEL.get(self.level)

    @property
    def url(self) -> str:
        return area_url(self.level, self.code, self.pendamping_id)

    @property
    def query(self) -> str:
        """The area as the export and API query string: wilayah=<code>, pendamping=<id>, or
        nothing for the nation."""
        if self.level == RegionLevel.PENDAMPING:
            return f"pendamping={self.pendamping_id}"
        return f"wilayah={self.code}" if self.code else ""

    @property
    def slug(self) -> str:
        """A name for files exported from this area."""
        if self.level == RegionLevel.PENDAMPING:
            return f"pendamping-{self.pendamping_id}"
        return self.code or "nasional"


def area_url(level: str, code: str, pendamping_id: int | None = None) -> str:
    if level == RegionLevel.PENDAMPING:
        return reverse("dasbor:pendamping", args=[pendamping_id])
    if level == RegionLevel.NATION:
        return reverse("dasbor:nation")
    return reverse("dasbor:region", args=[code])


def _crumbs(user: User, regions: list[tuple[str, str]]) -> tuple[Crumb, ...]:
    """The regions above an area, from the nation down, that `user` may open."""
    chain = [("", _("Nasional")), *regions]
    return tuple(
        Crumb(name=name, url=area_url(LEVEL_BY_CODE_LENGTH.get(len(code), "nasional"), code))
        for code, name in chain
        if region_visible(user, code)
    )


def _chain(code: str) -> list[tuple[str, str]]:
    """[(code, name)] of the region and every region above it, provinsi first; one query."""
    level = LEVEL_BY_CODE_LENGTH.get(len(code))
    if level == RegionLevel.PROVINSI:
        provinsi = Provinsi.objects.filter(code=code).first()
        return [(provinsi.code, provinsi.name)] if provinsi else []
    if level == RegionLevel.KABUPATEN:
        kab = Kabupaten.objects.select_related("provinsi").filter(code=code).first()
        return [(kab.provinsi.code, kab.provinsi.name), (kab.code, kab.name)] if kab else []
    if level == RegionLevel.KECAMATAN:
        kec = Kecamatan.objects.select_related("kabupaten__provinsi").filter(code=code).first()
        if kec is None:
            return []
        kab = kec.kabupaten
        return [(kab.provinsi.code, kab.provinsi.name), (kab.code, kab.name), (kec.code, kec.name)]
    return []


def area_for_region(user: User, code: str) -> Area:
    """The area of region `code` ("" for the nation), or 404 when it does not exist or lies
    outside the user's scope."""
    if not region_visible(user, code):
        raise Http404
    if not code:
        return Area(level=RegionLevel.NATION, code="", name=_("Nasional"))
    chain = _chain(code)
    if not chain:
        raise Http404
    *above, (own_code, name) = chain
    return Area(
        level=LEVEL_BY_CODE_LENGTH[len(own_code)],
        code=own_code,
        name=name,
        parents=_crumbs(user, above),
    )


def area_for_pendamping(user: User, pendamping_id: int) -> Area:
    """One pendamping's caseload, for a user whose scope holds the pendamping's kabupaten."""
    if user.role not in DASHBOARD_ROLES:
        raise Http404
    pendamping = get_visible_or_404(
        Pendamping.objects.select_related("user", "kabupaten__provinsi"), user, pk=pendamping_id
    )
    kab = pendamping.kabupaten
    return Area(
        level=RegionLevel.PENDAMPING,
        code=kab.code,
        name=str(pendamping),
        pendamping_id=pendamping.pk,
        parents=_crumbs(user, [(kab.provinsi.code, kab.provinsi.name), (kab.code, kab.name)]),
    )


def area_from_query(user: User, params: Mapping[str, str]) -> Area:
    """The area named by ?wilayah=<code> or ?pendamping=<id> (the nation when neither), or
    404 when it is malformed, does not exist or lies outside the user's scope."""
    if pendamping_id := params.get("pendamping"):
        if not pendamping_id.isdigit():
            raise Http404
        return area_for_pendamping(user, int(pendamping_id))
    code = params.get("wilayah", "")
    if code and not REGION_CODE.fullmatch(code):
        raise Http404
    return area_for_region(user, code)


def area_root(user: User) -> Area:
    """Where a user's dashboard starts: their kabupaten, their province or the nation."""
    if user.role not in DASHBOARD_ROLES:
        raise Http404
    code = "" if user.role == Role.ADMIN else (user.scope_region_code or "")
    return area_for_region(user, code)
