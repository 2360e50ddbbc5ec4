"""Numbers and money the Indonesian way: 1.234.567 and Rp1.234.567."""

from django import template

register = template.Library()


@register.filter
def angka(value: int | None) -> str:
    if value is None:
        return "–"
    return f"{int(value):,}".replace(",", ".")


@register.filter
def rupiah(value: int | None) -> str:
    if value is None:
        return "–"
    return "Rp" + angka(value)
