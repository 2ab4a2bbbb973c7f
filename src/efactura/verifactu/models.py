"""VERI*FACTU records, their per-issuer chain and the submissions to the AEAT."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efactura.verifactu.choices import Kind, Mode, State, SubmissionState


class CompanySettings(models.Model):
    """A company's VERI*FACTU mode (absent row = VERI*FACTU, the default)."""

    company = models.OneToOneField(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="verifactu_settings",
        verbose_name=_("company"),
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.VERIFACTU)

    class Meta:
        verbose_name = _("VERI*FACTU settings")
        verbose_name_plural = _("VERI*FACTU settings")

    def __str__(self) -> str:
        return f"{self.company} · {self.get_mode_display()}"


class Chain(models.Model):
    """The head of one issuer's record chain, and its pacing with the AEAT.

    Its row is locked while a record is appended, so records of one issuer are chained one
    after another even with many web processes; it also remembers the waiting time the AEAT
    imposed (``TiempoEsperaEnvio``, Orden HAC/1177/2024 art. 16.2)."""

    company = models.OneToOneField(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="verifactu_chain",
        verbose_name=_("company"),
    )
    length = models.PositiveIntegerField(default=0, verbose_name=_("length"))
    last_record = models.ForeignKey(
        "BillingRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last record"),
    )
    wait_seconds = models.PositiveIntegerField(default=60, verbose_name=_("wait seconds"))
    next_send_after = models.DateTimeField(null=True, blank=True, verbose_name=_("next send after"))
    incident = models.BooleanField(
        default=False,
        help_text=_("The last submission failed: send with Incidencia=S."),
        verbose_name=_("incident"),
    )
    events_length = models.PositiveIntegerField(default=0, verbose_name=_("events length"))
    last_event = models.ForeignKey(
        "EventRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last event"),
    )

    class Meta:
        verbose_name = _("record chain")

    def __str__(self) -> str:
        return f"{self.company} · {self.length}"


class Submission(models.Model):
    """One ``RegFactuSistemaFacturacion`` sent (or being sent) to the AEAT, and its answer."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, verbose_name=_("company")
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=16, choices=SubmissionState.choices, default=SubmissionState.SENDING
    )
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("lease until"))
    endpoint = models.CharField(max_length=300, blank=True, verbose_name=_("endpoint"))
    record_count = models.PositiveIntegerField(default=0, verbose_name=_("record count"))
    answer_state = models.CharField(_("AEAT answer"), max_length=24, blank=True)
    csv = models.CharField("CSV", max_length=64, blank=True)
    wait_seconds = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("wait seconds")
    )
    error = models.TextField(_("error"), blank=True)
    answer = models.TextField(_("answer (XML)"), blank=True)
    answered = models.DateTimeField(null=True, blank=True, verbose_name=_("answered"))

    class Meta:
        ordering = ["-created"]
        verbose_name = _("AEAT submission")

    def __str__(self) -> str:
        return f"{self.company} · {self.created:%Y-%m-%d %H:%M:%S} · {self.state}"


class BillingRecord(models.Model):
    """A registration (alta) or cancellation (anulación) record, immutable once made.

    ``xml`` is the record element exactly as hashed and sent; ``fingerprint`` its ``Huella``.
    ``sequence`` numbers the issuer's chain from 1 with no gaps (a database constraint)."""

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        related_name="verifactu_records",
        verbose_name=_("company"),
    )
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.PROTECT,
        related_name="verifactu_records",
        verbose_name=_("invoice"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    sequence = models.PositiveIntegerField(_("position in the chain"))
    number = models.CharField(_("invoice number"), max_length=60)
    issue_date = models.DateField(_("issue date"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    previous_fingerprint = models.CharField(
        max_length=64, blank=True, verbose_name=_("previous fingerprint")
    )
    generated_at = models.CharField(_("generated"), max_length=32)
    total = models.CharField(max_length=20, blank=True, verbose_name=_("total"))
    xml = models.TextField(verbose_name=_("XML"))
    qr_url = models.CharField(max_length=300, blank=True, verbose_name=_("QR URL"))
    correction = models.BooleanField(_("correction (subsanación)"), default=False)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    state = models.CharField(_("state"), max_length=24, choices=State.choices)
    error_code = models.CharField(_("error code"), max_length=8, blank=True)
    error_text = models.TextField(_("error"), blank=True)
    submission = models.ForeignKey(
        Submission,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("submission"),
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    created = models.DateTimeField(default=timezone.now, verbose_name=_("created"))
    updated = models.DateTimeField(default=timezone.now, verbose_name=_("updated"))

    class Meta:
        ordering = ["company", "sequence"]
        verbose_name = _("billing record")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "sequence"], name="verifactu_one_record_per_position"
            ),
            models.UniqueConstraint(fields=["fingerprint"], name="verifactu_unique_fingerprint"),
        ]
        indexes = [models.Index(fields=["state", "company"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} #{self.sequence}"


class EventRecord(models.Model):
    """An event of a NO VERI*FACTU system (``RegistroEvento``), signed and chained per issuer
    (Orden HAC/1177/2024 art. 9).  ``xml`` is the signed event, kept unchanged."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="verifactu_events"
    )
    sequence = models.PositiveIntegerField(_("position in the chain"))
    event_type = models.CharField(_("event type"), max_length=2)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)
    generated_at = models.CharField(_("generated"), max_length=32)
    xml = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["company", "sequence"]
        verbose_name = _("event record")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "sequence"], name="verifactu_one_event_per_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.sequence}"
