"""One demo login per role, with fixed usernames and one shared demo password."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "pkh-demo-2026"
DEMO_PENDAMPING = "pendamping.kediri"  # the first pendamping of the run, with a caseload
DEMO_URL = "http://127.0.0.1:8000/"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # a pengguna.models.Role value
    scope: str | None
    first_name: str
    last_name: str = "Demo"
    is_staff: bool = False
    is_superuser: bool = False


def demo_logins(dinsos_kabupaten: str = "35.71") -> tuple[DemoLogin, ...]:
    """Every demo login except the pendamping, which the plan creates with its caseload.
    The Dinsos officer answers for the first kabupaten of the run (Kota Kediri by default)."""
    return (
        DemoLogin("admin", "admin", None, "Admin", is_staff=True, is_superuser=True),
        DemoLogin("dinsos.kediri", "dinsos", dinsos_kabupaten, "Petugas Dinsos"),
        # Staff: the ministry edits the programme policy in the admin site.
        DemoLogin("kemensos", "kementerian", None, "Kemensos Pusat", is_staff=True),
        DemoLogin("kemensos.jatim", "kementerian", "35", "Kemensos Jawa Timur"),
        DemoLogin("mitra.pnm", "agency", None, "Mitra PNM"),
    )


DEMO_USERNAMES = (
    "admin", "dinsos.kediri", "kemensos", "kemensos.jatim", DEMO_PENDAMPING, "mitra.pnm",
)  # fmt: skip
