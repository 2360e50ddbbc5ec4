"""The demo agency API client: PNM Mekaar under a demo agreement, reading graduated KPM
nationally with the masked NIK, the pengurus's name, the member count and referral statuses, and
reporting outcomes of PNM's programmes. `seed_demo_workflow` creates it (graduations are what it
reads); `print_demo_logins` gives it a fresh key each run."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q

from pemberdayaan.models import Programme
from pengguna.api_clients import api_client_create, api_key_rotate
from pengguna.models import ApiClient, SharedField

DEMO_CLIENT = "PNM Mekaar (demo)"
DEMO_AGENCY = "PT Permodalan Nasional Madani (PNM)"
DEMO_AGREEMENT = "001/PKS-DEMO/PNM-KEMENSOS/2026"
DEMO_FIELDS = (
    SharedField.NIK_MASKED,
    SharedField.PENGURUS_NAME,
    SharedField.MEMBER_COUNT,
    SharedField.REFERRALS,
)
DEMO_API_PATH = "api/v1/graduations/"


@transaction.atomic
def demo_api_client(*, today: date) -> ApiClient:
    """The demo client, created once; a second call returns the same row unchanged."""
    existing = ApiClient.objects.filter(name=DEMO_CLIENT).first()
    if existing is not None:
        return existing
    return api_client_create(
        by=None,
        name=DEMO_CLIENT,
        agency=DEMO_AGENCY,
        agreement_number=DEMO_AGREEMENT,
        purpose="Penyaluran pembiayaan Mekaar bagi keluarga graduasi PKH (demo)",
        expires_on=date(today.year + 1, 12, 31),
        fields=DEMO_FIELDS,
        programmes=Programme.objects.filter(Q(code__startswith="pnm") | Q(agency__contains="PNM")),
    )


def demo_api_key() -> tuple[ApiClient, str] | None:
    """A fresh key for the demo client (its earlier keys revoked at once), or None when the demo
    has no client yet."""
    client = ApiClient.objects.filter(name=DEMO_CLIENT).first()
    if client is None:
        return None
    _key, raw = api_key_rotate(by=None, client=client, grace=timedelta(0))
    return client, raw
