"""The English translation is complete, keeps every placeholder, and is what the switcher shows."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[-#0 +]*\d*(?:\.\d+)?[sd]|%%"
)


@dataclass
class Entry:
    msgid: str = ""
    context: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def parse_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, multi-line strings joined; obsolete (#~) entries skipped."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = Entry()
        target: str | int | None = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith("msgctxt "):
                entry.context, target = _unquote(line[len("msgctxt ") :]), "context"
            elif line.startswith("msgid_plural "):
                entry.msgid_plural, target = _unquote(line[len("msgid_plural ") :]), "plural"
            elif line.startswith("msgid "):
                entry.msgid, target = _unquote(line[len("msgid ") :]), "id"
            elif line.startswith("msgstr"):
                match = re.match(r"msgstr(?:\[(\d+)\])? (.*)", line)
                assert match, line
                index = int(match[1] or 0)
                entry.msgstr[index], target = _unquote(match[2]), index
            elif line.startswith('"'):
                if target == "id":
                    entry.msgid += _unquote(line)
                elif target == "plural":
                    entry.msgid_plural = (entry.msgid_plural or "") + _unquote(line)
                elif isinstance(target, int):
                    entry.msgstr[target] += _unquote(line)
        if entry.msgstr:
            entries.append(entry)
    return entries


ENTRIES = parse_po(PO_FILE)
HEADER = next(e for e in ENTRIES if e.msgid == "")
MESSAGES = [e for e in ENTRIES if e.msgid != ""]


def test_the_header_declares_english_utf8_and_two_plural_forms():
    header = HEADER.msgstr[0]
    assert "Language: en\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header


def test_every_message_is_translated_and_none_is_fuzzy():
    assert len(MESSAGES) > 200
    untranslated = [e.msgid for e in MESSAGES if not all(s.strip() for s in e.msgstr.values())]
    assert untranslated == []
    assert [e.msgid for e in ENTRIES if "fuzzy" in e.flags] == []


def test_plural_messages_have_both_english_forms():
    plurals = [e for e in MESSAGES if e.msgid_plural is not None]
    assert plurals
    for entry in plurals:
        assert sorted(entry.msgstr) == [0, 1], entry.msgid


def test_placeholders_survive_translation():
    for entry in MESSAGES:
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == expected, entry.msgid


def test_the_compiled_catalogue_matches_the_po_file():
    with MO_FILE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in MESSAGES:
        if entry.context is not None:
            assert catalogue.pgettext(entry.context, entry.msgid) == entry.msgstr[0]
        elif entry.msgid_plural is None:
            assert catalogue.gettext(entry.msgid) == entry.msgstr[0]
        else:
            assert catalogue.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0]
            assert catalogue.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr[1]


def _english(msgid: str) -> str:
    return next(e.msgstr[0] for e in MESSAGES if e.msgid == msgid)


@pytest.mark.django_db
def test_the_login_page_is_indonesian_without_the_switch(client):
    page = client.get("/masuk/").content.decode()
    assert "Masuk" in page
    assert "Kata sandi" in page
    assert _english("Kata sandi") not in page


@pytest.mark.django_db
def test_the_login_page_is_english_after_the_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    assert response.status_code == 302
    page = client.get("/masuk/").content.decode()
    assert _english("Masuk") == "Sign in"
    assert _english("Kata sandi") == "Password"
    assert "Sign in" in page
    assert "Password" in page
    assert "Username" in page
    assert "Kata sandi" not in page
    assert ">Masuk<" not in page


def test_kpm_status_keluar_is_not_the_sign_out_button():
    from django.utils import translation

    from kpm.models import KpmStatus

    with translation.override("en"):
        assert str(KpmStatus.EXITED.label) == "Exited"
        assert translation.gettext("Keluar") == "Sign out"
    with translation.override("id"):
        assert str(KpmStatus.EXITED.label) == "Keluar"
