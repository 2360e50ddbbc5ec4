"""Django field validators for NIK and No KK, checking the region prefix against wilayah."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from kpm.rules import nik_problem, no_kk_problem


def prefix_to_kecamatan_code(prefix: str) -> str:
    """'357101' -> '35.71.01'."""
    return f"{prefix[0:2]}.{prefix[2:4]}.{prefix[4:6]}"


class KnownKecamatan:
    """A container answering `prefix in KnownKecamatan()` with one indexed lookup."""

    def __contains__(self, prefix: object) -> bool:
        from wilayah.models import Kecamatan

        if not isinstance(prefix, str) or len(prefix) != 6:
            return False
        return Kecamatan.objects.filter(code=prefix_to_kecamatan_code(prefix)).exists()


def kecamatan_prefixes() -> frozenset[str]:
    """Every known kecamatan as a six-digit prefix, for checking many numbers at once."""
    from wilayah.models import Kecamatan

    return frozenset(c.replace(".", "") for c in Kecamatan.objects.values_list("code", flat=True))


def validate_nik(value: str) -> None:
    problem = nik_problem(value, known_kecamatan=KnownKecamatan())
    if problem:
        raise ValidationError(problem, code="invalid_nik")


def validate_no_kk(value: str) -> None:
    problem = no_kk_problem(value, known_kecamatan=KnownKecamatan())
    if problem:
        raise ValidationError(problem, code="invalid_no_kk")
