"""The Indonesian catalogue is the source itself, and English covers every one of its messages."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from tests.config.test_locale_english import Entry, parse_po

LOCALE = Path(settings.BASE_DIR) / "locale"
ID_ENTRIES = parse_po(LOCALE / "id" / "LC_MESSAGES" / "django.po")
EN_ENTRIES = parse_po(LOCALE / "en" / "LC_MESSAGES" / "django.po")
ID_MESSAGES = [e for e in ID_ENTRIES if e.msgid != ""]


def _keys(entries: list[Entry]) -> set[tuple[str | None, str, str | None]]:
    return {(e.context, e.msgid, e.msgid_plural) for e in entries if e.msgid != ""}


def test_the_id_header_declares_indonesian_utf8():
    header = next(e for e in ID_ENTRIES if e.msgid == "").msgstr[0]
    assert "Language: id\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header


def test_every_id_message_is_its_own_source_text():
    assert len(ID_MESSAGES) > 200
    differing = []
    for entry in ID_MESSAGES:
        if entry.msgid_plural is None:
            expected = {0: entry.msgid}
        else:
            expected = {0: entry.msgid, 1: entry.msgid_plural}
        if entry.msgstr != expected:
            differing.append(entry.msgid)
    assert differing == []


def test_no_id_message_is_empty():
    empty = [e.msgid for e in ID_MESSAGES if not all(s.strip() for s in e.msgstr.values())]
    assert empty == []


def test_no_id_entry_is_fuzzy():
    assert [e.msgid for e in ID_ENTRIES if "fuzzy" in e.flags] == []


def test_english_has_exactly_the_id_messages():
    id_keys, en_keys = _keys(ID_ENTRIES), _keys(EN_ENTRIES)
    assert sorted(id_keys - en_keys, key=str) == []  # missing from English
    assert sorted(en_keys - id_keys, key=str) == []  # stale in English
    assert len(ID_MESSAGES) == len(id_keys)  # no duplicate entry
