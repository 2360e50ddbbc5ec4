"""Admin for the audit trail (read-only) and the mixin that audits changes made in the admin."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models, router, transaction
from django.db.models import QuerySet
from django.db.models.deletion import Collector
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.models import AccessEvent, AuditAction, AuditEvent
from audit.services import audit_event, audit_record, audit_write, diff, field_values
from pengguna.models import Role


def audited_fields(model: type[models.Model]) -> list[str]:
    """Concrete fields worth auditing: every one except automatic timestamps."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if not (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]


def snapshot(obj: models.Model, *, m2m: dict[str, Iterable[models.Model]] | None = None) -> dict:
    """The audited values of `obj`; many-to-many fields as sorted ids (from `m2m` when given)."""
    values = field_values(obj, audited_fields(type(obj)))
    if obj.pk is None:
        return values
    for field in obj._meta.many_to_many:
        related = (m2m or {}).get(field.name)
        if related is None:
            related = getattr(obj, field.name).all()
        values[field.name] = sorted(str(o.pk) for o in related)
    return values


def stored_snapshot(obj: models.Model) -> dict:
    """The audited values of `obj` as the database holds them now (before this change)."""
    stored = type(obj)._default_manager.get(pk=obj.pk)
    return snapshot(stored)


def deletion_events(actor: Any, objs: Iterable[models.Model]) -> list[AuditEvent]:
    """One delete event for each object `objs` would remove, cascades included."""
    objs = list(objs)
    if not objs:
        return []
    collector = Collector(using=router.db_for_write(type(objs[0])))
    collector.collect(objs)
    doomed: list[models.Model] = [o for instances in collector.data.values() for o in instances]
    for qs in collector.fast_deletes:
        if not qs.model._meta.auto_created:  # many-to-many link rows show on their owner
            doomed.extend(qs)
    return [
        audit_event(actor=actor, action=AuditAction.DELETE, obj=o, changes=diff(snapshot(o), {}))
        for o in doomed
        if not o._meta.auto_created
    ]


class AuditedAdminMixin(admin.ModelAdmin):
    """Writes an audit row, in the same transaction, for every change saved through the admin."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        with transaction.atomic(using=router.db_for_write(type(obj))):
            before = stored_snapshot(obj) if change and obj.pk is not None else {}
            super().save_model(request, obj, form, change)
            m2m = {
                f.name: form.cleaned_data[f.name]
                for f in obj._meta.many_to_many
                if f.name in form.cleaned_data
            }
            changes = diff(before, snapshot(obj, m2m=m2m))
            if changes or not change:
                action = AuditAction.UPDATE if change else AuditAction.CREATE
                audit_record(actor=request.user, action=action, obj=obj, changes=changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic(using=router.db_for_write(type(obj))):
            audit_write(deletion_events(request.user, [obj]))
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            audit_write(deletion_events(request.user, queryset))
            super().delete_queryset(request, queryset)

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: Any, change: bool
    ) -> None:
        with transaction.atomic(using=router.db_for_write(formset.model)):
            stored = _formset_stored(formset)
            deleted = [
                stored[f.instance.pk] for f in formset.deleted_forms if f.instance.pk in stored
            ]
            events = deletion_events(request.user, deleted)
            before = {pk: snapshot(o) for pk, o in stored.items()}
            super().save_formset(request, form, formset, change)
            events += _formset_saves(request.user, formset, before)
            audit_write(events)


def _formset_stored(formset: Any) -> dict[Any, models.Model]:
    """The inline rows that already exist, as the database holds them, read in one query."""
    pks = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
    return {o.pk: o for o in formset.model._default_manager.filter(pk__in=pks)}


def _formset_saves(actor: Any, formset: Any, before: dict[Any, dict]) -> list[AuditEvent]:
    """Create events for new inline rows and update events for changed ones."""
    events = [
        audit_event(actor=actor, action=AuditAction.CREATE, obj=o, changes=diff({}, snapshot(o)))
        for o in formset.new_objects
    ]
    for obj, _fields in formset.changed_objects:
        changes = diff(before.get(obj.pk, {}), snapshot(obj))
        if changes:
            events.append(
                audit_event(actor=actor, action=AuditAction.UPDATE, obj=obj, changes=changes)
            )
    return events


class ViewOnlyAdminMixin(admin.ModelAdmin):
    """Records that are written by the system alone: shown, never added, edited or deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The trail is append-only: it can be read and searched, never added to, edited or removed."""

    list_display = (
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "request_id",
    )
    list_filter = ("action", "object_type", "occurred_at")
    search_fields = ("=object_id", "=request_id", "=actor_label", "object_label")
    date_hierarchy = "occurred_at"
    fields = (
        "occurred_at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "changes_pretty",
        "request_id",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("perubahan"))
    def changes_pretty(self, event: AuditEvent) -> str:
        text = json.dumps(event.changes, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html('<pre class="audit-changes">{}</pre>', text)


@admin.register(AccessEvent)
class AccessEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Who received personal data, when and why: read and searched, never changed. Search an
    exact record id to see who received that record, or a client's name, agency or PKS number.
    The data-subject report answers the same for one person, by NIK."""

    list_display = (
        "occurred_at",
        "actor_label",
        "client",
        "object_type",
        "record_count",
        "purpose",
    )
    list_filter = ("client", "object_type", "occurred_at")
    list_select_related = ("client",)
    search_fields = (
        "=actor_label",
        "=request_id",
        "purpose",
        "client__name",
        "client__agency",
        "client__agreement_number",
    )
    date_hierarchy = "occurred_at"
    fields = (
        "occurred_at",
        "actor",
        "actor_label",
        "client",
        "endpoint",
        "purpose",
        "object_type",
        "record_count",
        "record_ids",
        "detail",
        "request_id",
    )
    readonly_fields = fields
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AccessEvent], search_term: str
    ) -> tuple[QuerySet[AccessEvent], bool]:
        """A term that is a record id also finds the events that served that record."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            found = found | queryset.filter(record_ids__contains=[term])
        return found, duplicates

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {**(extra_context or {}), "subject_report": reads_subject_report(request.user)}
        return super().changelist_view(request, extra)

    def get_urls(self) -> list[URLPattern]:
        from audit.views import subject_export_view, subject_report_view

        return [
            path(
                "laporan-subjek/",
                self.admin_site.admin_view(subject_report_view),
                name="audit_accessevent_subject_report",
            ),
            path(
                "laporan-subjek/unduh/",
                self.admin_site.admin_view(subject_export_view),
                name="audit_accessevent_subject_export",
            ),
            *super().get_urls(),
        ]


def reads_subject_report(user: Any) -> bool:
    """The data-subject report is for the admin role alone."""
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMIN)
