"""Graduation proposals: the pendamping proposes, Dinsos decides (DESIGN §5 Workflow). The
nightly target stage counts them; the workflow that moves them is in
graduasi.services.proposals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kpm.models import GraduationType
from pengguna.scoping import ScopedQuerySet, kpm_visibility


class ProposalStatus(models.TextChoices):
    DRAFT = "draf", _("Draf")
    SUBMITTED = "diajukan", _("Diajukan")
    RETURNED = "dikembalikan", _("Dikembalikan untuk perbaikan")
    APPROVED = "disetujui", _("Disetujui")
    REJECTED = "ditolak", _("Ditolak")
    WITHDRAWN = "ditarik", _("Ditarik")


# A KPM has at most one proposal in these states; it stops being a "candidate without a
# proposal" while one is open or approved.
OPEN_STATUSES = (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED, ProposalStatus.RETURNED)
COUNTED_STATUSES = (*OPEN_STATUSES, ProposalStatus.APPROVED)
# Submitted and waiting for a Dinsos decision, or returned to the pendamping for revision.
PENDING_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.RETURNED)


class ProposalQuerySet(ScopedQuerySet["Proposal"]):
    scope_rule = staticmethod(kpm_visibility)
    scope_path = "kpm"


class Proposal(models.Model):
    """A proposal to graduate one KPM. `pendamping` is the one credited toward the target."""

    kpm = models.ForeignKey(
        "kpm.Kpm", on_delete=models.PROTECT, related_name="proposals", verbose_name=_("KPM")
    )
    pendamping = models.ForeignKey(
        "pendamping.Pendamping",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("pendamping"),
    )
    type = models.CharField(_("jenis graduasi"), max_length=10, choices=GraduationType)
    status = models.CharField(
        _("status"), max_length=12, choices=ProposalStatus, default=ProposalStatus.DRAFT
    )
    justification = models.TextField(_("alasan usulan"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("diajukan"), null=True, blank=True)
    decided_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diputuskan oleh"),
    )
    decision_note = models.TextField(_("catatan keputusan"), blank=True)
    signed_statement = models.FileField(
        _("surat pernyataan bertanda tangan"), upload_to="proposals/%Y/%m/", blank=True
    )
    economic_assessment = models.ForeignKey(
        "pendamping.EconomicAssessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asesmen ekonomi pendukung"),
    )

    # The programmes the family agreed, during the visit, to be referred to once graduated.
    referral_programmes = models.ManyToManyField(
        "pemberdayaan.Programme",
        blank=True,
        related_name="+",
        verbose_name=_("program rujukan yang disetujui keluarga"),
    )
    referral_consent_on = models.DateField(_("tanggal persetujuan rujukan"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("usulan graduasi")
        verbose_name_plural = _("usulan graduasi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["pendamping", "status"]),
            models.Index(fields=["status", "submitted_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kpm"],
                condition=Q(status__in=[s.value for s in COUNTED_STATUSES]),
                name="proposal_one_open_or_approved_per_kpm",
            ),
            models.CheckConstraint(
                name="proposal_decided_has_time",
                condition=~Q(status__in=["disetujui", "ditolak"]) | Q(decided_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpm_id} {self.type} ({self.status})"
