"""Progress of a running import, visible to other requests while its transaction is open."""

from __future__ import annotations

from typing import Any

from django.db import connections

from kpm.models import ImportJob


class ProgressWriter:
    """Writes ImportJob.progress on a database connection of its own: the import's own
    connection is inside one long transaction that nobody else can see into until commit.
    The import never touches the job row inside that transaction, so the two cannot wait on
    each other."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._connection: Any = None

    def __call__(self, done: int) -> None:
        if self._connection is None:
            self._connection = connections.create_connection("default")
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET progress = LEAST(%s, row_count) "  # noqa: S608
                "WHERE id = %s",
                [done, self.job_id],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
