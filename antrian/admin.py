"""The outbox in the admin, read-only: what waits to be sent, since when, and why it was not."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from antrian.models import TaskMessage
from audit.admin import ViewOnlyAdminMixin


class SentFilter(admin.SimpleListFilter):
    title = _("status kirim")
    parameter_name = "terkirim"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("tidak", _("Menunggu dikirim")), ("ya", _("Sudah dikirim"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "tidak":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "ya":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(TaskMessage)
class TaskMessageAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "task", "created_at", "sent_at", "attempts", "last_error")
    list_filter = (SentFilter, "task")
    search_fields = ("task", "message_id")
    ordering = ("-id",)
    readonly_fields = (
        "message_id", "task", "args", "kwargs", "created_at", "sent_at", "attempts",
        "last_attempt_at", "last_error",
    )  # fmt: skip
