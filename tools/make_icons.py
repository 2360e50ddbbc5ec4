"""Draws the app's icons (a white house on the brand green) as PNG files, with no imaging
library: `python tools/make_icons.py` writes static/icons/. Run again after changing a shape."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BRAND = (0x0B, 0x6E, 0x4F)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"


def _inside_house(x: float, y: float, pad: float) -> bool:
    """The house in unit coordinates, shrunk by `pad` on every side (maskable icons keep their
    drawing inside the central safe zone)."""
    u = (x - pad) / (1 - 2 * pad)
    v = (y - pad) / (1 - 2 * pad)
    roof = 0.18 <= v <= 0.48 and abs(u - 0.5) <= (v - 0.18) * 1.15
    body = 0.46 <= v <= 0.82 and 0.24 <= u <= 0.76
    door = 0.60 <= v <= 0.82 and 0.44 <= u <= 0.56
    return (roof or body) and not door


def _inside_rounded(x: float, y: float, radius: float) -> bool:
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def draw(size: int, *, maskable: bool) -> bytes:
    """RGBA rows of the icon: full bleed when maskable, a rounded square otherwise."""
    rows = []
    for j in range(size):
        row = bytearray([0])  # PNG filter: none
        for i in range(size):
            x, y = (i + 0.5) / size, (j + 0.5) / size
            if not maskable and not _inside_rounded(x, y, 0.18):
                row += bytes((0, 0, 0, 0))
                continue
            colour = WHITE if _inside_house(x, y, 0.2 if maskable else 0.08) else BRAND
            row += bytes((*colour, 255))
        rows.append(bytes(row))
    return b"".join(rows)


def png(size: int, pixels: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
        ("apple-touch-icon.png", 180, True),
    ]:
        (OUT / name).write_bytes(png(size, draw(size, maskable=maskable)))


if __name__ == "__main__":
    main()
