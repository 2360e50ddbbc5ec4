"""Users, their role and the region they answer for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager


class Role(models.TextChoices):
    PENDAMPING = "pendamping", _("Pendamping")
    DINSOS = "dinsos", _("Dinas Sosial")
    KEMENTERIAN = "kementerian", _("Kementerian")
    AGENCY = "agency", _("Lembaga mitra")
    ADMIN = "admin", _("Admin")


class User(AbstractUser):
    """A person who logs in. Dinsos answers for one kabupaten; kementerian for a province or
    the whole country (no scope region)."""

    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    # NULL, not "", means national: the scope constraint below tests for it.
    scope_region_code = models.CharField(  # noqa: DJ001
        _("kode wilayah tugas"),
        max_length=5,
        null=True,
        blank=True,
        help_text=_(
            "Kabupaten/kota (mis. 35.71) untuk Dinsos; provinsi (mis. 35) atau kosong "
            "(nasional) untuk Kementerian."
        ),
    )

    # Raised each time the user's sessions are ended (account disabled, second factor reset);
    # part of the session auth hash, so no session from before can come back. A database default
    # too: the demo seed writes users with COPY.
    session_generation = models.PositiveIntegerField(
        _("generasi sesi"), default=0, db_default=0, editable=False
    )

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.CheckConstraint(
                name="user_scope_fits_role",
                condition=(
                    Q(role="dinsos", scope_region_code__regex=r"^[0-9]{2}\.[0-9]{2}$")
                    | Q(role="kementerian", scope_region_code__isnull=True)
                    | Q(role="kementerian", scope_region_code__regex=r"^[0-9]{2}$")
                    | (~Q(role__in=["dinsos", "kementerian"]) & Q(scope_region_code__isnull=True))
                ),
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """However an account is disabled (the admin, a form, a script), its sessions end in the
        same transaction: an invariant of the account, like a constraint, not a workflow step."""
        from pengguna.sessions import stored_sessions_delete

        with transaction.atomic(using=kwargs.get("using")):
            deactivated = self._being_deactivated()
            if deactivated:
                self.session_generation += 1
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "session_generation"}
            super().save(*args, **kwargs)
            if deactivated:
                stored_sessions_delete(self.pk)

    def _being_deactivated(self) -> bool:
        if self.is_active or self.pk is None:
            return False
        return type(self)._default_manager.filter(pk=self.pk, is_active=True).exists()

    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, *, secret: str | bytes | None) -> str:
        """Django's hash of the password while the generation is 0 (sessions from before this
        field stay valid); from the first bump on, the generation is mixed in."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "pengguna.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def clean(self) -> None:
        super().clean()
        code = self.scope_region_code or None
        self.scope_region_code = code
        if self.role == Role.DINSOS and (code is None or len(code) != 5):
            raise ValidationError(
                {
                    "scope_region_code": _(
                        "Petugas Dinsos harus punya kode kabupaten/kota, mis. 35.71."
                    )
                }
            )
        if self.role == Role.KEMENTERIAN and code is not None and len(code) != 2:
            raise ValidationError(
                {"scope_region_code": _("Kementerian: isi kode provinsi (mis. 35) atau kosongkan.")}
            )
        if self.role not in (Role.DINSOS, Role.KEMENTERIAN) and code is not None:
            raise ValidationError(
                {"scope_region_code": _("Peran ini tidak memakai kode wilayah tugas.")}
            )


class Notice(models.Model):
    """A message for one user inside the app (a decision on their proposal, for one)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    message = models.CharField(_("pesan"), max_length=500)
    link = models.CharField(_("tautan"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)

    class Meta:
        verbose_name = _("pemberitahuan")
        verbose_name_plural = _("pemberitahuan")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notice_unread",
            )
        ]

    def __str__(self) -> str:
        return self.message[:60]


# Agency API clients -----------------------------------------------------------------------------


class SharedField(models.TextChoices):
    """What a data-sharing agreement may add to the core of a graduation record (KPM ID, the
    graduation's date and type, its regions), which every agreement shares."""

    NIK = "nik", _("NIK pengurus (lengkap)")
    NIK_MASKED = "nik_tersamar", _("NIK pengurus (tersamar)")
    PENGURUS_NAME = "nama_pengurus", _("Nama pengurus")
    MEMBER_COUNT = "jumlah_anggota", _("Jumlah anggota keluarga")
    ADDRESS = "alamat", _("Alamat")
    DESIL = "desil", _("Desil DTSEN terakhir")
    LAST_TAHAP = "tahap_terakhir", _("Tahap terakhir dibayar")
    REFERRALS = "rujukan", _("Status rujukan pemberdayaan")


class ApiClientQuerySet(models.QuerySet["ApiClient"]):
    def in_force(self, today: date) -> ApiClientQuerySet:
        """Clients whose agreement is active and not past its expiry."""
        return self.filter(active=True, expires_on__gte=today)


class ApiClient(models.Model):
    """One agency's access to the API under one data-sharing agreement (PKS): what for, which
    fields, which regions, until when (UU PDP No. 27/2022). Its keys are `ApiKey` rows."""

    name = models.CharField(
        _("nama klien"), max_length=100, unique=True, help_text=_("Mis. PNM Mekaar – produksi.")
    )
    agency = models.CharField(_("lembaga"), max_length=150)
    agreement_number = models.CharField(_("nomor PKS"), max_length=100)
    purpose = models.CharField(_("tujuan penggunaan data"), max_length=200)
    fields = ArrayField(
        models.CharField(max_length=20, choices=SharedField.choices),
        default=list,
        blank=True,
        verbose_name=_("data yang boleh diterima"),
        help_text=_("Selain ID KPM, tanggal dan jenis graduasi, dan wilayah, yang selalu dikirim."),
    )
    region_codes = ArrayField(
        models.CharField(max_length=13),
        default=list,
        blank=True,
        verbose_name=_("wilayah"),
        help_text=_(
            "Kode provinsi/kabupaten/kecamatan/desa, mis. 35 atau 35.71; kosong: nasional."
        ),
    )
    programmes = models.ManyToManyField(
        "pemberdayaan.Programme",
        blank=True,
        related_name="api_clients",
        verbose_name=_("program yang dilaporkan"),
        help_text=_("Rujukan ke program ini yang hasilnya boleh dilaporkan klien."),
    )
    expires_on = models.DateField(_("berlaku sampai"))
    rate_per_minute = models.PositiveIntegerField(
        _("batas permintaan per menit"), default=600, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("aktif"), default=True)
    # The principal its requests act as (role agency, no password): created with the client.
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="api_client", editable=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("klien API lembaga")
        verbose_name_plural = _("klien API lembaga")
        ordering = ["agency", "name"]
        constraints = [
            models.CheckConstraint(
                name="api_client_one_nik_form",
                condition=~(Q(fields__contains=["nik"]) & Q(fields__contains=["nik_tersamar"])),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"

    def clean(self) -> None:
        super().clean()
        if SharedField.NIK in self.fields and SharedField.NIK_MASKED in self.fields:
            raise ValidationError(
                {"fields": _("Pilih NIK lengkap atau NIK tersamar, tidak keduanya.")}
            )
        bad = [c for c in self.region_codes if not REGION_CODE.fullmatch(c)]
        if bad:
            raise ValidationError(
                {"region_codes": _("Kode wilayah tidak dikenal: %(c)s.") % {"c": ", ".join(bad)}}
            )


REGION_CODE = re.compile(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?")


class ApiKey(AbstractAPIKey):
    """A secret that signs API requests in as `user`: an agency client's service user, or a
    Dinsos / ministry officer's own key. Only its hash is stored; it is shown once."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_keys")
    client = models.ForeignKey(
        ApiClient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="keys",
        verbose_name=_("klien"),
    )

    objects: ClassVar[APIKeyManager] = APIKeyManager()

    class Meta:
        ordering = ("-created",)
        verbose_name = _("kunci API")
        verbose_name_plural = _("kunci API")
