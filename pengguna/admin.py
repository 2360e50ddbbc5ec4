"""Admin for users (Django's user admin plus each user's role and region of responsibility, and
a reset of their second factor), agency API clients and officers' API keys. Sign-in lockouts
and the admin site's own sign-in: pengguna.admin_auth."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_api_key.models import APIKey

from audit.admin import AuditedAdminMixin
from config.errors import DomainError
from pengguna.api_clients import (
    STAFF_KEY_ROLES,
    api_client_create,
    api_client_revoke_keys,
    api_client_suspend,
    api_key_issue,
    api_key_revoke,
    api_key_rotate,
)
from pengguna.models import REGION_CODE, ApiClient, ApiKey, Notice, Role, SharedField, User
from pengguna.two_factor import totp_reset
from wilayah.models import Desa, Kabupaten, Kecamatan, Provinsi

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

    def get_list_display(self, request: HttpRequest) -> Any:
        return (*super().get_list_display(request), "has_totp")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(totp_on=Exists(confirmed))

    @admin.display(description=_("verifikasi dua langkah"), boolean=True, ordering="totp_on")
    def has_totp(self, user: Any) -> bool:
        return bool(user.totp_on)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/atur-ulang-otp/",
                self.admin_site.admin_view(self.reset_otp_view),
                name="pengguna_user_reset_otp",
            ),
            *super().get_urls(),
        ]

    def reset_otp_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A lost or replaced phone: remove the user's authenticator apps and end their
        sessions; they enrol a new app at their next sign-in. Admin role only; audited."""
        if not is_admin_role(request.user):
            raise PermissionDenied
        user = get_object_or_404(User, pk=pk)
        back = reverse("admin:pengguna_user_change", args=[pk])
        if request.method != "POST":
            return TemplateResponse(
                request,
                "admin/pengguna/confirm_action.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "object": user,
                    "back": back,
                    "title": _("Atur ulang verifikasi dua langkah"),
                    "explanation": _(
                        "Aplikasi autentikator pengguna ini dihapus dan semua sesinya diakhiri. "
                        "Saat masuk lagi dengan kata sandinya, ia diminta mendaftarkan aplikasi "
                        "baru. Lakukan hanya setelah memastikan permintaan datang dari pemilik "
                        "akun."
                    ),
                    "button": _("Atur ulang"),
                },
            )
        assert isinstance(request.user, User)
        count = totp_reset(by=request.user, user=user)
        self.message_user(
            request,
            _("Verifikasi dua langkah %(u)s diatur ulang (%(n)s aplikasi dihapus).")
            % {"u": user.get_username(), "n": count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(back)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra = {**(extra_context or {}), "can_reset_otp": is_admin_role(request.user)}
        return super().change_view(request, object_id, form_url, extra)


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


# Agency API clients and API keys ------------------------------------------------------------


def is_admin_role(user: Any) -> bool:
    """Only the admin role manages API clients and keys; other staff see nothing of them."""
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMIN)


class AdminRoleOnlyMixin(admin.ModelAdmin):
    """Pages for the admin role alone, whatever model permissions other staff hold."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin_role(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_role(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin_role(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_role(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # agreements and keys are suspended or revoked, never deleted

    def require_admin(self, request: HttpRequest) -> None:
        if not is_admin_role(request.user):
            raise PermissionDenied


class RegionCodesField(forms.Field):
    """Region codes typed as text (comma or space separated); each must exist in the region
    tables at its level."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:
        text = str(value or "")
        return list(dict.fromkeys(c for c in re.split(r"[\s,;]+", text) if c))

    def validate(self, value: Any) -> None:
        bad = [c for c in value if not REGION_CODE.fullmatch(c)]
        if bad:
            raise ValidationError(
                _("Bentuk kode wilayah salah: %(c)s. Contoh: 35, 35.71, 35.71.01, 35.71.01.1001.")
                % {"c": ", ".join(bad)}
            )
        unknown = [c for c in value if c not in known_region_codes(value)]
        if unknown:
            raise ValidationError(
                _("Kode wilayah tidak ada di tabel wilayah: %(c)s.") % {"c": ", ".join(unknown)}
            )


REGION_TABLES = {2: Provinsi, 5: Kabupaten, 8: Kecamatan, 13: Desa}


def known_region_codes(codes: list[str]) -> set[str]:
    """Those of `codes` that name a provinsi, kabupaten, kecamatan or desa (one query a level)."""
    known: set[str] = set()
    for length, model in REGION_TABLES.items():
        wanted = [c for c in codes if len(c) == length]
        if wanted:
            known.update(
                model._default_manager.filter(code__in=wanted).values_list("code", flat=True)
            )
    return known


class ApiClientForm(forms.ModelForm):
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]
        label=_("Data yang boleh diterima"),
        choices=SharedField.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Selain ID KPM, tanggal dan jenis graduasi, dan wilayah, yang selalu dikirim. "
            "Pilih NIK lengkap atau NIK tersamar, tidak keduanya."
        ),
    )
    region_codes = RegionCodesField(
        label=_("Wilayah"),
        required=False,
        help_text=_("Kode dipisah koma, mis. 35, 35.71; kosong: nasional."),
    )

    class Meta:
        model = ApiClient
        fields = (
            "agency",
            "name",
            "agreement_number",
            "purpose",
            "fields",
            "region_codes",
            "programmes",
            "expires_on",
            "rate_per_minute",
            "active",
        )


class ApiKeyTable(NamedTuple):
    """A key as the admin lists it: never its hash, nor its id (which holds the hash)."""

    prefix: str
    name: str
    created: Any
    expiry_date: Any
    revoked: bool
    has_expired: bool


def key_rows(keys: Iterable[ApiKey]) -> list[ApiKeyTable]:
    return [
        ApiKeyTable(k.prefix, k.name, k.created, k.expiry_date, k.revoked, k.has_expired)
        for k in keys
    ]


def key_shown_once(request: HttpRequest, *, raw: str, owner: str, back: str) -> HttpResponse:
    """The one page that ever shows a new key; not cached, never put in a message or log."""
    response = TemplateResponse(
        request,
        "admin/pengguna/key_issued.html",
        {
            **admin.site.each_context(request),
            "title": _("Kunci API baru"),
            "raw_key": raw,
            "owner": owner,
            "back": back,
        },
    )
    add_never_cache_headers(response)
    return response


@admin.register(ApiClient)
class ApiClientAdmin(AdminRoleOnlyMixin, AuditedAdminMixin, admin.ModelAdmin):
    """An agency's access under one agreement. Adding one issues its first key, shown once;
    its page rotates keys, revokes them, or suspends the client. Every change is audited."""

    form = ApiClientForm
    list_display = ("name", "agency", "agreement_number", "expires_on", "active", "key_count")
    list_filter = ("active", "agency")
    search_fields = ("name", "agency", "agreement_number")
    filter_horizontal = ("programmes",)
    readonly_fields = ("user", "created_at")
    fieldsets = (
        (None, {"fields": ("agency", "name", "agreement_number", "purpose")}),
        (_("Isi perjanjian"), {"fields": ("fields", "region_codes", "programmes")}),
        (_("Masa berlaku dan batas"), {"fields": ("expires_on", "rate_per_minute", "active")}),
        (_("Akun layanan"), {"fields": ("user", "created_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiClient]:
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(live_keys=Count("keys", filter=Q(keys__revoked=False)))
        )

    @admin.display(description=_("kunci belum dicabut"), ordering="live_keys")
    def key_count(self, client: Any) -> int:
        return client.live_keys

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is not None else fieldsets[:-1]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        client = api_client_create(
            by=request.user,
            name=data["name"],
            agency=data["agency"],
            agreement_number=data["agreement_number"],
            purpose=data["purpose"],
            expires_on=data["expires_on"],
            fields=data["fields"],
            region_codes=data["region_codes"],
            programmes=data["programmes"],
            rate_per_minute=data["rate_per_minute"],
        )
        if not data["active"]:
            client = api_client_suspend(by=request.user, client=client)
        _key, raw = api_key_issue(by=request.user, client=client)
        obj.pk, obj.user_id, obj.created_at = client.pk, client.user_id, client.created_at
        obj._state.adding = False
        request._new_api_key = raw  # type: ignore[attr-defined]  # for response_add only

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:  # a new client's programmes were set by api_client_create
            super().save_related(request, form, formsets, change)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        raw = getattr(request, "_new_api_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        return key_shown_once(request, raw=raw, owner=str(obj), back=self._change_url(obj.pk))

    def _change_url(self, pk: Any) -> str:
        return reverse("admin:pengguna_apiclient_change", args=[pk])

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        keys = ApiKey.objects.filter(client_id=object_id).order_by("-created")
        extra = {
            **(extra_context or {}),
            "api_keys": key_rows(keys) if object_id.isdigit() else [],
        }
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/kunci-baru/", view(self.rotate_view), name="pengguna_apiclient_rotate"),
            path(
                "<int:pk>/cabut-semua/",
                view(self.revoke_all_view),
                name="pengguna_apiclient_revoke",
            ),
            path("<int:pk>/hentikan/", view(self.suspend_view), name="pengguna_apiclient_suspend"),
            path(
                "<int:pk>/kunci/<str:prefix>/cabut/",
                view(self.revoke_key_view),
                name="pengguna_apiclient_revoke_key",
            ),
            *super().get_urls(),
        ]

    def _client(self, request: HttpRequest, pk: int) -> ApiClient:
        self.require_admin(request)
        return get_object_or_404(ApiClient, pk=pk)

    def _confirm(self, request: HttpRequest, client: ApiClient, **context: Any) -> HttpResponse:
        return TemplateResponse(
            request,
            "admin/pengguna/confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "object": client,
                "back": self._change_url(client.pk),
                **context,
            },
        )

    def rotate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = self._client(request, pk)
        if request.method != "POST":
            return self._confirm(
                request,
                client,
                title=_("Terbitkan kunci baru"),
                explanation=_(
                    "Kunci baru ditampilkan satu kali. Kunci lama tetap berlaku 24 jam lagi, "
                    "supaya lembaga sempat menggantinya, lalu berhenti."
                ),
                button=_("Terbitkan kunci baru"),
            )
        _key, raw = api_key_rotate(by=request.user, client=client)
        return key_shown_once(request, raw=raw, owner=str(client), back=self._change_url(pk))

    def revoke_all_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = self._client(request, pk)
        if request.method != "POST":
            return self._confirm(
                request,
                client,
                title=_("Cabut semua kunci sekarang"),
                explanation=_(
                    "Semua kunci klien ini langsung ditolak. Tindakan ini tidak dapat dibatalkan; "
                    "terbitkan kunci baru bila klien boleh memakai API lagi."
                ),
                button=_("Cabut semua kunci"),
            )
        count = api_client_revoke_keys(by=request.user, client=client)
        self.message_user(request, _("%(n)s kunci dicabut.") % {"n": count}, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(pk))

    def suspend_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = self._client(request, pk)
        if request.method != "POST":
            return self._confirm(
                request,
                client,
                title=_("Hentikan akses klien"),
                explanation=_(
                    "Semua permintaan klien ini ditolak (client_suspended) sampai kotak "
                    "'aktif' dicentang lagi. Kuncinya tidak dicabut."
                ),
                button=_("Hentikan akses"),
            )
        api_client_suspend(by=request.user, client=client)
        self.message_user(request, _("Akses klien dihentikan."), messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(pk))

    def revoke_key_view(self, request: HttpRequest, pk: int, prefix: str) -> HttpResponse:
        client = self._client(request, pk)
        key = get_object_or_404(ApiKey, client=client, prefix=prefix)
        if request.method != "POST":
            return self._confirm(
                request,
                client,
                title=_("Cabut kunci %(p)s") % {"p": prefix},
                explanation=_("Kunci ini langsung ditolak. Tindakan ini tidak dapat dibatalkan."),
                button=_("Cabut kunci"),
            )
        api_key_revoke(by=request.user, key=key)
        self.message_user(request, _("Kunci %(p)s dicabut.") % {"p": prefix}, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(pk))


class StaffKeyForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        label=_("Petugas"),
        queryset=User.objects.filter(role__in=STAFF_KEY_ROLES, is_active=True).order_by("username"),
        help_text=_("Petugas Dinsos, Kementerian atau admin yang aktif."),
    )

    class Meta:
        model = ApiKey
        fields = ("user", "name", "expiry_date")
        labels = {"name": _("Nama kunci"), "expiry_date": _("Berlaku sampai")}
        help_texts = {
            "name": _("Mis. skrip laporan bulanan."),
            "expiry_date": _("Kosong: sampai dicabut."),
        }


@admin.register(ApiKey)
class StaffApiKeyAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    """Officers' own keys (Dinsos, Kementerian, admin). Named by prefix, never by the id that
    holds the hash: the list links by prefix and the admin's own log is not written (the
    services audit each key)."""

    form = StaffKeyForm
    list_display = ("prefix_link", "user", "name", "created", "expiry_date", "revoked")
    list_display_links = None
    list_filter = ("revoked", "user__role")
    list_select_related = ("user",)
    search_fields = ("=prefix", "user__username", "name")
    actions = None
    readonly_fields = ("prefix", "user", "name", "created", "expiry_date", "revoked")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        return super().get_queryset(request).filter(client__isnull=True)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user", "name", "expiry_date") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a key is issued or revoked, never edited

    @admin.display(description=_("awalan"), ordering="prefix")
    def prefix_link(self, key: ApiKey) -> str:
        url = reverse("admin:pengguna_apikey_change", args=[key.prefix])
        return format_html('<a href="{}">{}</a>', url, key.prefix)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        """By prefix (the id holds the hash, which no URL shows)."""
        prefix = unquote(object_id).partition(".")[0]
        return self.get_queryset(request).filter(prefix=prefix).first()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            key, raw = api_key_issue(
                by=request.user,
                user=data["user"],
                name=data["name"],
                expiry_date=data["expiry_date"],
            )
        except DomainError as exc:  # the form's choices already keep these out
            raise PermissionDenied(exc.message) from exc
        obj.id, obj.prefix, obj.created = key.id, key.prefix, key.created
        obj._state.adding = False
        request._new_api_key = raw  # type: ignore[attr-defined]

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # LogEntry would keep the id (the hash) and link to it; audited instead

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        raw = getattr(request, "_new_api_key", None)
        back = reverse("admin:pengguna_apikey_changelist")
        if raw is None:
            return HttpResponseRedirect(back)
        return key_shown_once(request, raw=raw, owner=str(obj.user), back=back)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = {**(extra_context or {}), "key_prefix": obj.prefix if obj else ""}
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<str:prefix>/cabut/",
                self.admin_site.admin_view(self.revoke_view),
                name="pengguna_apikey_revoke",
            ),
            *super().get_urls(),
        ]

    def revoke_view(self, request: HttpRequest, prefix: str) -> HttpResponse:
        self.require_admin(request)
        key = get_object_or_404(ApiKey, client__isnull=True, prefix=prefix)
        back = reverse("admin:pengguna_apikey_changelist")
        if request.method != "POST":
            return TemplateResponse(
                request,
                "admin/pengguna/confirm_action.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "object": key.user,
                    "back": back,
                    "title": _("Cabut kunci %(p)s") % {"p": prefix},
                    "explanation": _(
                        "Kunci ini langsung ditolak. Tindakan ini tidak dapat dibatalkan."
                    ),
                    "button": _("Cabut kunci"),
                },
            )
        api_key_revoke(by=request.user, key=key)
        self.message_user(request, _("Kunci %(p)s dicabut.") % {"p": prefix}, messages.SUCCESS)
        return HttpResponseRedirect(back)


# The library's own admin would list every key by its id (which holds the hash) and put a new
# key in a message stored in the session; the pages above replace it.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)

from pengguna import admin_auth  # noqa: E402, F401  (registers the sign-in admin pages)
