"""A local helper process for the assess command: a fresh interpreter (spawned, so it shares
no database connection with its parent) that takes batches of a running pipeline run. Kept
outside graduasi.pipeline, whose package imports models: this module must load before
Django is set up."""

from __future__ import annotations

import os


def help_run(run_id: int, database_name: str) -> None:
    """Process entry: set Django up, point at the parent's database, take batches."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connections

    # The parent's database (a test database included), before the first query connects.
    connections["default"].settings_dict["NAME"] = database_name
    from graduasi.pipeline.batches import batches_help

    batches_help(run_id)
