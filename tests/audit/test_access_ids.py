"""The access log's ID lists go to PostgreSQL as one array literal (audit.models.IdArrayField):
any text comes back as it went in, quotes, backslashes and commas included."""

from __future__ import annotations

import pytest

from audit.models import AccessEvent, array_literal
from audit.services import access_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "ids",
    [
        [],
        ["KDR-0001"],
        ["KDR-0001", "KDR-0002", "KDR-0003"],
        ['KPM "lama"', "a\\b", "x,y", "{z}", "", " spasi "],
        [7, 8],  # numbers are logged as text
    ],
)
def test_ids_are_stored_as_given(ids: list) -> None:
    event = access_record(
        actor=None, endpoint="/uji/", purpose="uji", object_type="kpm", record_ids=ids
    )
    stored = AccessEvent.objects.get(pk=event.pk)
    assert stored.record_ids == [str(i) for i in ids]
    assert stored.record_count == len(ids)


def test_the_literal_escapes_only_what_needs_it() -> None:
    assert array_literal([]) == "{}"
    assert array_literal(["a", "b"]) == '{"a","b"}'
    assert array_literal(['a"b', "c\\d"]) == '{"a\\"b","c\\\\d"}'


def test_a_lookup_by_one_id_finds_the_event() -> None:
    access_record(
        actor=None, endpoint="/uji/", purpose="uji", object_type="kpm", record_ids=["A", 'B"']
    )
    assert AccessEvent.objects.filter(record_ids__contains=['B"']).count() == 1
    assert not AccessEvent.objects.filter(record_ids__contains=["C"]).exists()
