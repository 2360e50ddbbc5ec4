"""Refresh the translation catalogues: `make messages`.

The interface is written in Indonesian, so the `id` catalogue is the source itself: every
msgstr is set to its msgid, which keeps it complete by construction. The `en` catalogue is
refreshed by makemessages and translated by hand; new entries arrive empty (or fuzzy) and the
locale tests fail until they are translated.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = [".venv", ".data", "bench", "tests", "tools", "staticfiles"]


def makemessages(language: str) -> None:
    args = [sys.executable, "manage.py", "makemessages", "-l", language, "--no-obsolete"]
    for pattern in IGNORE:
        args += ["--ignore", pattern]
    subprocess.run(args, cwd=ROOT, check=True)  # noqa: S603 - fixed arguments


def _set(pattern: str, value: str, text: str) -> str:
    """Replace the msgstr matched by `pattern` with `value` (taken literally)."""
    return re.sub(pattern, lambda _m: value, text, flags=re.M)


def _unfuzzy(entry: str) -> str:
    """Drop the fuzzy flag (alone or among others, as in "#, fuzzy, python-format") and the
    previous-msgid lines ("#| ...") that come with it."""
    text = re.sub(r"^#\| .*\n", "", entry, flags=re.M)
    text = re.sub(r"^#, fuzzy\n", "", text, flags=re.M)
    return re.sub(r"^#, fuzzy, ", "#, ", text, flags=re.M)


def fill_source_catalogue(po: Path) -> int:
    """Set each msgstr of `po` to its msgid (plural forms: singular, plural)."""
    entries = po.read_text(encoding="utf-8").split("\n\n")
    filled = 0
    for index, entry in enumerate(entries):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        if not msgid or msgid.group(1).strip() == '""':
            continue
        plural = re.search(r'^msgid_plural ((?:".*"\n?)+)', entry, re.M)
        text = _unfuzzy(entry)
        if plural:
            text = _set(r'^msgstr\[0\] (?:".*"\n?)+', f"msgstr[0] {msgid.group(1)}", text)
            text = _set(r'^msgstr\[1\] (?:".*"\n?)+', f"msgstr[1] {plural.group(1)}", text)
        else:
            text = _set(r'^msgstr (?:".*"\n?)+', f"msgstr {msgid.group(1)}", text)
        if text != entry:
            entries[index] = text.rstrip("\n")
            filled += 1
    po.write_text("\n\n".join(entries).rstrip("\n") + "\n", encoding="utf-8")
    return filled


def main() -> None:
    for language in ("id", "en"):
        makemessages(language)
    source = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
    print(f"id: {fill_source_catalogue(source)} entries set to their source text")
    compile_args = [sys.executable, "manage.py", "compilemessages"]
    subprocess.run(compile_args, cwd=ROOT, check=True)  # noqa: S603 - fixed arguments


if __name__ == "__main__":
    main()
