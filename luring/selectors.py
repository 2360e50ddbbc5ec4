"""What a pendamping's phone keeps for working without signal: their own pages, nobody else's."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone

from kpm.models import Kpm, KpmStatus
from kpm.selectors import CASELOAD_PER_PAGE
from pendamping.models import MeetingStatus, P2k2Group, P2k2Meeting
from pengguna.models import User

# Held meetings stay on the phone this long, for corrections of their roll-call.
HELD_MEETINGS_KEPT = timedelta(days=60)

# The pages the phone may keep (route names); each is scoped by its own view, and the
# middleware marks a response keepable only for a pendamping.
KEPT_ROUTES = frozenset(
    {
        "home", "kpm:caseload", "kpm:profile", "kunjungan:create", "komitmen:grid",
        "p2k2:groups", "p2k2:group", "p2k2:meeting",
    }
)  # fmt: skip


def offline_pages(user: User) -> list[str]:
    """The addresses a pendamping's phone fetches to work offline: home, every page of the
    caseload, and for each of their KPM not exited its profile, visit form and this month's
    commitment grid; their P2K2 groups and the meetings planned or lately held. What they may
    see comes from the scoping helper (`visible_to`), as for the pages themselves. Four
    queries."""
    kpms = Kpm.objects.visible_to(user)
    kpm_ids = list(
        kpms.exclude(status=KpmStatus.EXITED).order_by("kpm_id").values_list("kpm_id", flat=True)
    )
    caseload = reverse("kpm:caseload")
    pages = [reverse("home"), reverse("p2k2:groups"), caseload]
    page_numbers = Paginator(range(kpms.count()), CASELOAD_PER_PAGE).page_range
    pages += [f"{caseload}?halaman={n}" for n in page_numbers if n > 1]
    for kpm_id in kpm_ids:
        pages += [
            reverse("kpm:profile", args=[kpm_id]),
            reverse("kunjungan:create", args=[kpm_id]),
            reverse("komitmen:grid", args=[kpm_id]),
        ]
    groups = list(
        P2k2Group.objects.visible_to(user).filter(is_active=True).values_list("pk", flat=True)
    )
    pages += [reverse("p2k2:group", args=[pk]) for pk in groups]
    since = timezone.localdate() - HELD_MEETINGS_KEPT
    meetings = (
        P2k2Meeting.objects.filter(group_id__in=groups)
        .exclude(status=MeetingStatus.CANCELLED)
        .exclude(status=MeetingStatus.HELD, scheduled_on__lt=since)
    )
    pages += [reverse("p2k2:meeting", args=[pk]) for pk in meetings.values_list("pk", flat=True)]
    return pages
