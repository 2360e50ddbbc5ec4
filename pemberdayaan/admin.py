"""Admin for the referral catalogue (kept by admins and national kementerian staff, every edit
audited) and read-only lists of referrals, the outcomes agencies report on them, and
follow-ups, which the workflow and the agencies' API write."""

from __future__ import annotations

from django.contrib import admin

from audit.admin import AuditedAdminMixin, ViewOnlyAdminMixin
from graduasi.admin import MinistryPolicyAdminMixin
from pemberdayaan.models import FollowUp, Programme, Referral, ReferralOutcome


@admin.register(Programme)
class ProgrammeAdmin(MinistryPolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """The empowerment programmes a graduated family can be referred to. National kementerian
    staff add and change them besides admins; provincial staff only read them. A programme in
    use is switched off (aktif), not deleted: its referrals keep it."""

    list_display = ("name", "code", "agency", "kind", "amount", "active", "position")
    list_filter = ("active", "kind")
    search_fields = ("code", "name", "agency")
    ordering = ("position", "name")
    fields = ("code", "name", "agency", "kind", "amount", "description", "active", "position")


@admin.register(Referral)
class ReferralAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Referrals are made on approval and changed by Dinsos in the app; here they are read."""

    list_display = ("kpm", "programme", "status", "consent_on", "status_changed_at")
    list_select_related = ("kpm", "programme")
    list_filter = ("status", "programme")
    search_fields = ("=kpm__kpm_id", "programme__name")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(ReferralOutcome)
class ReferralOutcomeAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Outcomes are reported by agencies over the API, once per Idempotency-Key; here they are
    read."""

    list_display = (
        "referral", "kind", "amount", "occurred_on", "client", "idempotency_key",
        "status_before", "status_after", "created_at",
    )  # fmt: skip
    list_select_related = ("referral", "client")
    list_filter = ("kind", "client", "referral__programme")
    search_fields = ("=referral__kpm__kpm_id", "=idempotency_key")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(FollowUp)
class FollowUpAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Follow-ups are scheduled on approval and recorded in the app; here they are read."""

    list_display = (
        "kpm", "months_after", "due_on", "done_on", "monthly_income", "member_count",
        "business_status",
    )  # fmt: skip
    list_select_related = ("kpm",)
    list_filter = ("months_after", "business_status", ("done_on", admin.EmptyFieldListFilter))
    search_fields = ("=kpm__kpm_id",)
    date_hierarchy = "due_on"
    show_full_result_count = False
