"""What the data-subject report and export tests share: an admin's client, and what the agency
endpoints log for a page of records."""

from __future__ import annotations

import pytest

from audit.models import AccessEvent
from audit.services import access_record


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def agency_pull(api_client, kpm_ids: list[str]) -> AccessEvent:
    """What the agency endpoints log for a page of records."""
    return access_record(
        actor=api_client.user,
        client=api_client,
        endpoint="/api/v1/graduations/?page_size=500",
        purpose=api_client.purpose,
        object_type="kpm",
        record_ids=kpm_ids,
        detail={"agreement": api_client.agreement_number, "fields": api_client.fields},
    )
