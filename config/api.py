"""What every endpoint under /api/v1/ shares: who is signed in (401 when nobody), which roles may
call an endpoint (403), rows scoped through `visible_to` (404 when out of scope), one error shape
`{"code", "detail"}` (plus `fields` for invalid input), and the schema parts that document it."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, pagination, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError
from pengguna.models import Role
from pengguna.scoping import ScopedQuerySet

# Authentication (the class is in config/authentication.py) --------------------------------


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "config.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "config.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "Kunci API dari admin: `Authorization: Bearer <kunci>`. Kunci lembaga mitra "
                "terikat pada satu perjanjian kerja sama (PKS)."
            ),
        }


# Roles -----------------------------------------------------------------------------------------


class RolePermission(BasePermission):
    """Active, signed-in users whose role is in `roles`; anyone else is refused."""

    roles: frozenset[str] = frozenset()
    message = _("Peran Anda tidak diizinkan melakukan tindakan ini.")
    code = "forbidden"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and getattr(user, "role", None) in self.roles
        )


def role_required(*roles: str) -> type[RolePermission]:
    """A permission class admitting only these roles (403 for others, 401 when signed out)."""

    class Allowed(RolePermission):
        pass

    Allowed.roles = frozenset(roles)
    Allowed.__name__ = Allowed.__qualname__ = "RoleRequired_" + "_".join(sorted(roles))
    return Allowed


IsPendamping = role_required(Role.PENDAMPING)
IsDinsos = role_required(Role.DINSOS)
IsAgency = role_required(Role.AGENCY)
# Officers who read KPM over the API (by session or their own key).
ReadsKpm = role_required(Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)
# Roles that read case records in their scope; agencies have their own endpoints.
ReadsCases = role_required(Role.PENDAMPING, Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)


class IsAgencyClient(BasePermission):
    """Requests signed with an agency client's key: what it may see is its agreement's."""

    message = _("Hanya klien API lembaga mitra yang boleh memakai alamat ini.")
    code = "forbidden"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return agency_client(request) is not None


def agency_client(request: Request) -> Any:
    """The agency client (`pengguna.ApiClient`) whose key signed this request, or None."""
    from pengguna.models import ApiKey

    key = request.auth
    return key.client if isinstance(key, ApiKey) else None


# Scoping ---------------------------------------------------------------------------------------


class ScopedViewSetMixin(GenericAPIView):
    """Rows pass through the model's `visible_to(user)`: what is out of scope is a 404."""

    def get_queryset(self) -> Any:
        queryset = cast(ScopedQuerySet[Any], super().get_queryset())
        return queryset.visible_to(self.request.user)


class VisibleSlugField(serializers.SlugRelatedField):
    """A reference by a public key (a KPM ID, a programme code) to a row the caller may see; one
    out of scope reads as one that does not exist."""

    def get_queryset(self) -> Any:
        queryset = cast(ScopedQuerySet[Any], super().get_queryset())
        return queryset.visible_to(self.context["request"].user)


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_query_description = _("Nomor halaman, mulai dari 1.")  # type: ignore[assignment]
    invalid_page_message = _("Halaman itu tidak ada.")  # type: ignore[assignment]
    page_size_query_description = _(  # type: ignore[assignment]
        "Baris per halaman (bawaan 50, paling banyak 200)."
    )


# Errors ----------------------------------------------------------------------------------------

# A DomainError's code gives its status; any other code is a 400.
DOMAIN_ERROR_STATUS = {
    "conflict": 409,
    "forbidden": 403,
    "four_eyes": 403,
    "referral_closed": 409,
    "idempotency_key_reused": 422,
}

# DRF's own messages replaced by ours when DRF gave its default wording.
MESSAGES = {
    "not_authenticated": _("Masuk terlebih dahulu untuk memakai API ini."),
    "not_found": _("Data tidak ditemukan."),
    "permission_denied": _("Anda tidak diizinkan melakukan tindakan ini."),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal as `{"code", "detail"}`; invalid input adds `fields`."""
    if isinstance(exc, DomainError):
        set_rollback()
        status = DOMAIN_ERROR_STATUS.get(exc.code, 400)
        return Response({"code": exc.code, "detail": exc.message}, status=status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django logs it and answers 500
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
        return response
    converted = exc if isinstance(exc, exceptions.APIException) else _converted(exc)
    response.data = _error_body(converted)
    if isinstance(exc, exceptions.Throttled):
        response.data["detail"] = str(
            _("Terlalu banyak permintaan; coba lagi dalam %(n)s detik.")
            % {"n": response.headers.get("Retry-After", "60")}
        )
    return response


def _converted(exc: Exception) -> exceptions.APIException:
    """Django's Http404 / PermissionDenied, as DRF's handler answered them."""
    from django.core.exceptions import PermissionDenied

    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exceptions.NotFound()


def _error_body(exc: exceptions.APIException) -> dict[str, str]:
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else str(exc.default_code)
    detail = str(exc.detail) if isinstance(exc.detail, str) else str(exc.default_detail)
    if detail == str(exc.default_detail) and code in MESSAGES:
        detail = str(MESSAGES[code])
    return {"code": code, "detail": detail}


def _validation_body(detail: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    general: list[str] = []
    if isinstance(detail, dict):
        for name, problems in detail.items():
            if name in ("non_field_errors", "detail"):
                general.extend(_strings(problems))
            else:
                fields[name] = _plain(problems)
    else:
        general.extend(_strings(detail))
    message = " ".join(general) or str(_("Periksa isian yang ditandai."))
    return {"code": "invalid", "detail": message, "fields": fields}


def _strings(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return [str(value)]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


# Schema ----------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(help_text="Kode tetap untuk program, mis. `conflict`.")
    detail = serializers.CharField(help_text="Pesan untuk pengguna, dalam bahasa permintaan.")


class ValidationErrorSerializer(ErrorSerializer):
    """A 400: invalid input (`code` = `invalid`, with `fields`) or a rule that refused."""

    # Declared fields leave the class body, so `Serializer.fields` is untouched.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Untuk `invalid`: pesan per isian.",
    )


ERROR_RESPONSES = {
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description=(
            "Isian tidak sah (`invalid`, dengan `fields`) atau aturan menolak tindakan "
            "(kode dari aturan, mis. `reason_required`, `not_open`, `statement_missing`)."
        ),
    ),
    401: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Belum masuk (`not_authenticated`), sesi petugas yang belum memasukkan kode "
            "verifikasi dua langkah (`otp_required`), atau kunci API ditolak: `invalid_key`, "
            "`key_revoked`, `key_expired`, `client_suspended`, `agreement_expired`, "
            "`user_inactive`."
        ),
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Peran tidak diizinkan (`forbidden`), pengusul tidak boleh memutuskan usulannya "
            "sendiri (`four_eyes`), atau token CSRF tidak ada (`permission_denied`)."
        ),
    ),
    404: OpenApiResponse(
        ErrorSerializer, description="Tidak ada, atau di luar wilayah Anda (`not_found`)."
    ),
    429: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Terlalu banyak permintaan (`throttled`); header `Retry-After` menyebut berapa "
            "detik lagi boleh mencoba."
        ),
    ),
    409: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Sudah diputuskan lebih dulu (`conflict`); `detail` menyebut oleh siapa dan kapan."
        ),
    ),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error responses for an operation, by status; 429 always, since every
    caller signed in with a key has a rate."""
    return {status: ERROR_RESPONSES[status] for status in (*statuses, 429)}
