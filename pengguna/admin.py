"""Admin for users: Django's user admin plus each user's role and region of responsibility."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pengguna.models import Notice, User

ROLE_FIELDS = ("role", "scope_region_code")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """The role and scope decide what a user sees (pengguna.scoping); the model checks they fit."""

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Peran dan wilayah tugas"), {"fields": ROLE_FIELDS}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        (_("Peran dan wilayah tugas"), {"fields": ROLE_FIELDS}),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "scope_region_code",
        "is_staff",
        "is_active",
    )
    list_filter = ("role", "scope_region_code", "is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "first_name", "last_name", "email", "^scope_region_code")


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Notices are written by the services; the admin only reads them."""

    list_display = ("created_at", "user", "message", "read_at")
    list_filter = ("read_at",)
    search_fields = ("user__username", "message")
    list_select_related = ("user",)
    readonly_fields = ("user", "message", "link", "created_at", "read_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
