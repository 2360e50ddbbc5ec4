"""manage.py assess: the nightly pipeline on demand, or one KPM's assessment."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from graduasi.models import RunTrigger
from graduasi.pipeline import PovertyLines, kpm_facts, kpm_reassess, pipeline_run
from graduasi.rules import Assessment, KpmFacts, assess
from graduasi.selectors import policy_on
from kpm.models import Kpm


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from exc


def assessment_json(kpm: Kpm, facts: KpmFacts, result: Assessment) -> dict[str, Any]:
    """One KPM's assessment as plain JSON: status, reasons, components per member, benefit
    per year and per tahap, projected natural graduation date."""
    paid = {mc.member_id for mc in result.benefit.paid}
    held = {mc.member_id: mc for mc in result.benefit.components}
    members = [
        {
            "anggota_id": m.id,
            "active": m.active,
            "component": held[m.id].component.value if m.id in held else None,
            "yearly": held[m.id].yearly if m.id in held else 0,
            "paid": m.id in paid,
        }
        for m in facts.members
    ]
    return {
        "kpm_id": kpm.kpm_id,
        "as_of": result.as_of.isoformat(),
        "status": result.status.value,
        "statuses": [s.value for s in result.statuses],
        "reasons": [r.as_json() for r in result.reasons],
        "members": members,
        "benefit": {"yearly": result.benefit.yearly, "per_tahap": result.benefit.per_tahap},
        "projected_graduation": (
            result.projected_graduation.isoformat() if result.projected_graduation else None
        ),
    }


class Command(BaseCommand):
    help = (
        "Run the graduation pipeline (assessment, target progress, regional roll-ups) as of a "
        "date, or assess one KPM and print its assessment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="YYYY-MM-DD; default today (Asia/Jakarta)")
        parser.add_argument("--kpm", metavar="KPM_ID", help="assess this KPM only")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="processes sharing the assessment (default 1; at most the CPU count)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = _day(options["as_of"]) if options["as_of"] else timezone.localdate()
        if options["kpm"]:
            self._one(options["kpm"], on=on, as_json=options["json"])
        else:
            self._all(on=on, as_json=options["json"], processes=options["processes"])

    def _one(self, kpm_id: str, *, on: date, as_json: bool) -> None:
        kpm = Kpm.objects.filter(kpm_id=kpm_id).first()
        if kpm is None:
            raise CommandError(f"KPM {kpm_id} not found")
        facts = kpm_facts([kpm.pk], on=on, lines=PovertyLines(), active_only=False)[0]
        result = assess(facts, on=on, policy=policy_on(on))
        kpm_reassess(kpm_ids=[kpm.pk], on=on)
        data = assessment_json(kpm, facts, result)
        if as_json:
            self.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
            return
        self.stdout.write(f"{kpm.kpm_id} as of {data['as_of']}: {data['status']}")
        for reason in data["reasons"]:
            mark = "+" if reason["holds"] else "-"
            self.stdout.write(f"  {mark} {reason['code']} {reason['values']}")
        benefit = data["benefit"]
        self.stdout.write(f"  benefit: {benefit['yearly']} a year, {benefit['per_tahap']} a tahap")
        self.stdout.write(f"  projected natural graduation: {data['projected_graduation']}")

    def _all(self, *, on: date, as_json: bool, processes: int) -> None:
        if processes < 1:
            raise CommandError("--processes must be 1 or more")
        run = pipeline_run(on=on, trigger=RunTrigger.COMMAND, force=True, processes=processes)
        if run is None:
            raise CommandError("Another graduation pipeline run is in progress; try again later.")
        counts = {
            "run": run.pk,
            "as_of": on.isoformat(),
            "assessed": run.assessed,
            "changed": run.changed,
            "failed": run.failed,
            "targets_changed": run.targets_changed,
            "summaries_changed": run.summaries_changed,
            "risks_changed": run.risks_changed,
            "seconds": {
                "assess": run.assess_seconds,
                "target": run.target_seconds,
                "rollup": run.rollup_seconds,
                "risk": run.risk_seconds,
            },
        }
        if as_json:
            self.stdout.write(orjson.dumps(counts, option=orjson.OPT_INDENT_2).decode())
            return
        self.stdout.write(
            f"Graduation pipeline as of {on}: {run.assessed} KPM assessed, {run.changed} "
            f"changed, {run.failed} failed; {run.targets_changed} target rows and "
            f"{run.summaries_changed} regional summaries and {run.risks_changed} fall-back risk "
            f"flags changed ({run.assess_seconds} s + {run.target_seconds} s + "
            f"{run.rollup_seconds} s + {run.risk_seconds} s)."
        )
