"""A password validator for the guesses an attacker tries first in Indonesia: religious phrases,
terms of endearment, the programme's own words, football clubs, place names.

Django's CommonPasswordValidator holds an English list; this one reads
pengguna/common_passwords_id.txt and compares the password's letters only, so "Sayang123!",
"sayang_2025" and "SAYANG" are all the listed "sayang".
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LIST_FILE = Path(__file__).with_name("common_passwords_id.txt")


def letters_only(password: str) -> str:
    """The password's ASCII letters, lower case: digits, spaces and symbols around and inside
    a common word do not make it harder to guess."""
    return re.sub(r"[^a-z]", "", password.lower())


@cache
def common_words(path: Path = LIST_FILE) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        letters_only(line) for line in lines if line.strip() and not line.startswith("#")
    )


def is_common_indonesian(password: str, words: frozenset[str] | None = None) -> bool:
    """Whether the password's letters are one word (or phrase) of the list."""
    core = letters_only(password)
    return bool(core) and core in (words if words is not None else common_words())


class CommonIndonesianPasswordValidator:
    """AUTH_PASSWORD_VALIDATORS entry: refuses a password made of a listed word plus digits or
    symbols. Used wherever Django validates a password (the admin's new-user and
    change-password forms included)."""

    def __init__(self, password_list_path: str | Path = LIST_FILE) -> None:
        self.path = Path(password_list_path)

    def validate(self, password: str, user: Any = None) -> None:
        if is_common_indonesian(password, common_words(self.path)):
            raise ValidationError(
                _(
                    "Kata sandi ini terlalu umum sehingga mudah ditebak (kata seperti "
                    "“bismillah” atau “sayang”, nama daerah, atau kata program seperti “pkh”, "
                    "walau ditambah angka). Pilih kata sandi lain."
                ),
                code="password_too_common_id",
            )

    def get_help_text(self) -> str:
        return _(
            "Kata sandi tidak boleh kata yang umum dipakai, seperti “bismillah”, “sayang123” "
            "atau nama daerah."
        )
