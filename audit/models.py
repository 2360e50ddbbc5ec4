"""Append-only audit trail of changes to case data. The database refuses UPDATE and DELETE."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdArrayField(ArrayField):
    """A list of record IDs (text), sent to PostgreSQL as one array literal. An export logs ten
    thousand IDs per event: Django preparing each element, and PostgreSQL parsing an ARRAY[...]
    of ten thousand constants, were most of the cost of the log's insert."""

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, list | tuple):
            return array_literal(value)
        return super().get_db_prep_value(value, connection, prepared)


def array_literal(items: Iterable[Any]) -> str:
    """PostgreSQL's text form of a one-dimensional text array: each element double-quoted, with
    backslash and double quote escaped, so any text goes through unchanged."""
    texts = list(map(str, items))
    if not texts:
        return "{}"
    joined = '","'.join(texts)
    if '"' in joined or "\\" in joined:  # rare: escape element by element
        joined = '","'.join(t.replace("\\", "\\\\").replace('"', '\\"') for t in texts)
    return '{"' + joined + '"}'


class AuditAction(models.TextChoices):
    CREATE = "create", _("Buat")
    UPDATE = "update", _("Ubah")
    DELETE = "delete", _("Hapus")
    EXPORT = "export", _("Ekspor")  # a copy of a record handed out (the data subject's export)


class AuditEvent(models.Model):
    """Who changed what, with each changed field's value before and after, and when."""

    occurred_at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pelaku"),
    )
    actor_label = models.CharField(_("pelaku (teks)"), max_length=150)
    action = models.CharField(_("tindakan"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("jenis objek"), max_length=60)
    object_id = models.CharField(_("ID objek"), max_length=64)
    object_label = models.CharField(_("objek"), max_length=200, blank=True)
    changes = models.JSONField(_("perubahan"), default=dict)
    request_id = models.CharField(_("ID permintaan"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("catatan audit")
        verbose_name_plural = _("catatan audit")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
        )


class AccessEvent(models.Model):
    """A read of personal data outside the case workflow (an export, an agency's pull):
    who received which records, through what, for what purpose, and when (UU PDP No.
    27/2022). Append-only, like the audit trail."""

    occurred_at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("penerima"),
    )
    actor_label = models.CharField(_("penerima (teks)"), max_length=150)
    client = models.ForeignKey(
        "pengguna.ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("klien API"),
    )
    endpoint = models.CharField(_("alamat"), max_length=300)
    purpose = models.CharField(_("tujuan"), max_length=200)
    object_type = models.CharField(_("jenis data"), max_length=60)
    record_ids = IdArrayField(
        models.CharField(max_length=64), default=list, blank=True, verbose_name=_("ID data")
    )
    record_count = models.PositiveIntegerField(_("jumlah data"))
    detail = models.JSONField(_("rincian"), default=dict, blank=True)
    request_id = models.CharField(_("ID permintaan"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("akses data pribadi")
        verbose_name_plural = _("akses data pribadi")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # An event holds up to ten thousand IDs. New entries wait in the index's pending
            # list (64 MB) until autovacuum merges them (migration 0006 has it visit the table
            # every 100 events), not in the request that logs them.
            GinIndex(
                fields=["record_ids"],
                name="access_event_record_ids_gin",
                gin_pending_list_limit=65_536,
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.object_type}"
