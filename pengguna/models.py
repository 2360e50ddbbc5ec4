"""Users, their role and the region they answer for."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
