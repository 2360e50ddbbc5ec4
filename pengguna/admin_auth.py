"""The admin site and signing in: its own login page hands over to the project's (password,
then the second factor), and the pages of django-axes (failed logins, lockouts) and django-otp
are for the admin role only.

Unlocking a username is deleting its rows on the access attempts page; the deletion is
audited. TOTP devices have no admin page of their own (it would show their
keys): the user's page resets them (pengguna.admin.UserAdmin).
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.admin import AuditedAdminMixin, ViewOnlyAdminMixin
from pengguna.admin import is_admin_role
from pengguna.two_factor import otp_satisfied

site_has_permission = admin.site.has_permission


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's login URL: the project's sign-in page (with its lockout and second factor),
    coming back to the admin page asked for. A signed-in user who may not use the admin is
    refused rather than sent round in a loop."""
    wanted = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        wanted = ""
    wanted = wanted or reverse("admin:index")
    if request.user.is_authenticated:
        if admin_has_permission(request):
            return HttpResponseRedirect(wanted)
        raise PermissionDenied
    return redirect_to_login(wanted, reverse("login"))


def admin_has_permission(request: HttpRequest) -> bool:
    """Django's test (active staff) and, for an account that needs one, the second factor
    given in this session: kept here too, should a middleware ever be left out."""
    return site_has_permission(request) and otp_satisfied(request.user)


admin.site.login = admin_login  # type: ignore[method-assign]
admin.site.has_permission = admin_has_permission  # type: ignore[method-assign]


class AdminRoleOnly(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Pages of the sign-in records: the admin role sees them; no other staff, whatever model
    permissions they were given."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin_role(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_role(request.user)


class LockoutAdmin(AuditedAdminMixin, AdminRoleOnly, AccessAttemptAdmin):
    """Failed sign-ins per username and address. Deleting a row unlocks that username now
    (otherwise it unlocks itself after the cool-off); each deletion is audited."""

    actions = ["delete_selected"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_role(request.user)


class SignInLogAdmin(AdminRoleOnly, AccessLogAdmin):
    pass


class FailedSignInLogAdmin(AdminRoleOnly, AccessFailureLogAdmin):
    pass


for model, model_admin in (
    (AccessAttempt, LockoutAdmin),
    (AccessLog, SignInLogAdmin),
    (AccessFailureLog, FailedSignInLogAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
