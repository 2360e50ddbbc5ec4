"""The nightly graduation pipeline (DESIGN §5, STYLE "sets, not rows")."""

from config.locks import run_lock
from graduasi.pipeline.facts import PovertyLines, active_kpm_batches, kpm_facts
from graduasi.pipeline.run import LOCK_NAME, kpm_reassess, pipeline_run

__all__ = [
    "LOCK_NAME",
    "PovertyLines",
    "active_kpm_batches",
    "kpm_facts",
    "kpm_reassess",
    "pipeline_run",
    "run_lock",
]
