"""`make bench`: run every benchmark on a scratch database and write bench/RESULTS.md.

Each module bench/bench_*.py has `run(options) -> list[Measurement]`. Options: --only NAME
(module suffix, repeatable), --kpm N (seed size, default 1,000,000), --rows N (import file
rows, default 100,000), --load-seconds N (the load scenario's length, default 180).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["wilayah", "import", "seed", "workspace", "graduasi", "dashboard", "api", "load"]


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        return f"PostgreSQL {cur.fetchone()[0]}"


def render(results: dict[str, list], started: dt.datetime, options: argparse.Namespace) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench`; a run with `--only` rewrites only its own sections.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} (Asia/Jakarta)",
        f"- Machine: {machine()}",
        f"- Database: {database_version()}",
        f"- Commit: {commit or 'uncommitted'}",
        f'- Command: `make bench BENCH_ARGS="{" ".join(sys.argv[1:])}"`',
        "",
        "Each baseline is the plain way of doing the same work, measured in the same run.",
        "",
    ]
    for name, measurements in results.items():
        lines += [
            f"## {name}",
            "",
            f"Run {started:%Y-%m-%d %H:%M} (Asia/Jakarta) on commit {commit or 'uncommitted'}, "
            f"{database_version()}, {machine()}.",
            "",
            "| benchmark | result | baseline (same run) | target | note |",
            "| --- | --- | --- | --- | --- |",
        ]
        for m in measurements:
            base = f"{m.baseline:,.1f} {m.unit} ({m.baseline_label})" if m.baseline else "–"
            lines.append(
                f"| {m.name} | {m.value:,.1f} {m.unit} | {base} | {m.target or '–'} | {m.note} |"
            )
        lines.append("")
    return "\n".join(lines)


def previous_sections(path: Path) -> dict[str, str]:
    """Sections of an earlier RESULTS.md, by module name, kept when a run skips them."""
    if not path.exists():
        return {}
    sections: dict[str, str] = {}
    for chunk in path.read_text().split("\n## ")[1:]:
        name = chunk.split("\n", 1)[0].strip()
        sections[name] = "## " + chunk.rstrip() + "\n"
    return sections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", choices=MODULES)
    parser.add_argument("--kpm", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--load-seconds", type=int, default=180)
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    import django

    django.setup()
    from bench.common import use_scratch_database

    started = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7)))
    results = {}
    for name in options.only or MODULES:
        use_scratch_database()
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name}", flush=True)
        results[name] = module.run(options)
        for m in results[name]:
            print(f"   {m.name}: {m.value:,.1f} {m.unit}", flush=True)
    out = ROOT / "bench" / "RESULTS.md"
    kept = {k: v for k, v in previous_sections(out).items() if k not in results}
    text = render(results, started, options)
    text += "".join(f"\n{kept[k]}" for k in MODULES if k in kept)
    out.write_text(text)
    print(f"written {out}")


if __name__ == "__main__":
    main()
