"""Invoices, their archived documents, their timeline, series and customer records.

One ``Invoice`` row is shared by both sides: the issuing company (when it is on this platform)
sees it in *Invoices issued*, the receiving company in *Invoices payable*.  Party data is copied
onto the invoice when it is issued or received (an issued invoice is an immutable snapshot,
STYLE.md habit 6); the full canonical model is kept as JSON in ``canonical`` so every format and
the PDF can be rendered again without touching the archived original.

Writes go through :mod:`efactura.invoices.services`; reads through
:mod:`efactura.invoices.selectors`, scoped to the acting company.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from efactura.audit.choices import Source
from efactura.invoices.choices import (
    Collection,
    EventKind,
    Origin,
    RejectionReason,
    Route,
    Status,
    Transport,
)


class Series(models.Model):
    """An invoice series of a company with its correlative counter.

    Numbers are allocated by ``services.allocate_number`` under a row lock, so they have no
    gaps and no duplicates even when many people issue at once (RD 1619/2012 art. 6.1.a:
    correlative numbering within each series).
    """

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="series",
        verbose_name=_("company"),
    )
    code = models.CharField(_("series"), max_length=20, blank=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    next_number = models.PositiveIntegerField(_("next number"), default=1)
    digits = models.PositiveSmallIntegerField(
        _("digits"), default=6, help_text=_("Numbers are zero-padded to this width.")
    )
    is_corrective = models.BooleanField(
        _("for corrective invoices"),
        default=False,
        help_text=_("Corrective invoices must use their own series (RD 1619/2012 art. 15)."),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ("company", "code")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["company", "code"], name="invoices_series_unique"),
        ]

    def __str__(self) -> str:
        return self.code or str(_("(no series)"))

    def format_number(self, number: int) -> str:
        return str(number).zfill(self.digits)


class Customer(models.Model):
    """A customer a company has invoiced: the address book behind the invoice form.

    Kept per issuing company (my customer record, my email for them); the tax ID may or may not
    belong to a company registered on the platform.
    """

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="customers",
        verbose_name=_("company"),
    )
    tax_id = models.CharField(_("tax ID"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="ES")
    language = models.CharField(_("language"), max_length=8, default="es")
    created = models.DateTimeField(_("created"), default=timezone.now)
    last_invoiced = models.DateTimeField(_("last invoiced"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ("name",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["company", "tax_id"], name="invoices_customer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_id})"


class Invoice(models.Model):
    """One invoice or credit note, as both its issuer and its recipient see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    issuer = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices_issued",
        verbose_name=_("issuer"),
        help_text=_("The seller's company when it is registered on this platform."),
    )
    recipient = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices_received",
        verbose_name=_("recipient"),
        help_text=_("The buyer's company once the invoice is in its inbox."),
    )
    origin = models.CharField(_("origin"), max_length=24, choices=Origin.choices)

    # Snapshot of what the document says (indexed for lists, filters and search).
    seller_tax_id = models.CharField(_("seller tax ID"), max_length=20)
    seller_name = models.CharField(_("seller"), max_length=200)
    buyer_tax_id = models.CharField(_("buyer tax ID"), max_length=20, db_index=True)
    buyer_name = models.CharField(_("buyer"), max_length=200)
    series = models.CharField(_("series"), max_length=20, blank=True)
    number = models.CharField(_("number"), max_length=40)
    full_number = models.CharField(_("invoice number"), max_length=60, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, default="invoice")
    type_code = models.CharField(_("type code"), max_length=3, default="380")
    is_corrective = models.BooleanField(_("corrective"), default=False)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    net_total = models.DecimalField(_("net"), max_digits=18, decimal_places=2)
    tax_total = models.DecimalField(_("taxes"), max_digits=18, decimal_places=2)
    withheld_total = models.DecimalField(_("withheld"), max_digits=18, decimal_places=2, default=0)
    total = models.DecimalField(
        _("total"),
        max_digits=18,
        decimal_places=2,
        help_text=_("Invoice total: net + taxes − withholdings (Facturae InvoiceTotal)."),
    )
    payable = models.DecimalField(_("amount due"), max_digits=18, decimal_places=2)
    canonical = models.JSONField(
        _("canonical invoice"), help_text=_("The invoice in the canonical model, as JSON.")
    )
    content_hash = models.CharField(
        _("content hash"),
        max_length=64,
        db_index=True,
        help_text=_("SHA-256 of the canonical content, to refuse the same invoice twice."),
    )

    # Routing and status.
    route = models.CharField(_("route"), max_length=24, choices=Route.choices, default=Route.NONE)
    route_detail = models.CharField(_("route detail"), max_length=200, blank=True)
    transport = models.CharField(
        _("delivery"), max_length=24, choices=Transport.choices, default=Transport.CREATED
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    status_before_cancellation = models.CharField(
        _("status before cancellation"), max_length=24, choices=Status.choices, blank=True
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    rejection_code = models.CharField(
        _("rejection reason code"), max_length=3, choices=RejectionReason.choices, blank=True
    )
    collection = models.CharField(
        _("collection"),
        max_length=12,
        choices=Collection.choices,
        default=Collection.NONE,
        blank=True,
        help_text=_("What the issuer reported: collected (cobro) or unpaid (impago)."),
    )
    response_reminded_at = models.DateTimeField(
        _("deadline reminder sent"),
        null=True,
        blank=True,
        help_text=_("When the recipient was reminded of the response deadline (once)."),
    )
    paid_amount = models.DecimalField(_("paid"), max_digits=18, decimal_places=2, default=0)
    paid_date = models.DateField(_("payment date"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    response_due = models.DateField(
        _("respond by"),
        null=True,
        blank=True,
        help_text=_("Date by which the recipient must report acceptance or rejection."),
    )
    signature = models.JSONField(_("signature report"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ("-issue_date", "-created")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # RD 1619/2012 art. 6: one number per seller and series.
            models.UniqueConstraint(
                fields=["seller_tax_id", "series", "number"], name="invoices_invoice_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(issuer__isnull=False) | Q(recipient__isnull=False),
                name="invoices_invoice_has_a_side",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["issuer", "-issue_date", "-created"], name="inv_issuer_date"),
            models.Index(
                fields=["recipient", "-issue_date", "-created"], name="inv_recipient_date"
            ),
            # Keyset pages of the lists sorted by due date (selectors.SORTS).  No such index
            # for the total: SQLite's planner then prefers it for amount-range filters and
            # sorts the whole range by date, which is slower than sorting by total without one.
            models.Index(fields=["issuer", "-due_date", "-created"], name="inv_issuer_due"),
            models.Index(fields=["recipient", "-due_date", "-created"], name="inv_recipient_due"),
            # The ERP change feed (``changes=true``) walks (updated, id) per company.
            models.Index(fields=["issuer", "updated", "id"], name="inv_issuer_feed"),
            models.Index(fields=["recipient", "updated", "id"], name="inv_recipient_feed"),
            # On PostgreSQL only (migration 0004_invoice_list_indexes): (company, total) for
            # the sort by total, and trigram indexes for searching by number and party.
            models.Index(fields=["issuer", "buyer_tax_id"], name="inv_issuer_buyer"),
            models.Index(fields=["route", "buyer_tax_id"], name="inv_route_buyer"),
        ]

    def __str__(self) -> str:
        return f"{self.full_number} ({self.seller_name} → {self.buyer_name})"

    @property
    def outstanding(self) -> object:
        return self.payable - self.paid_amount

    @property
    def is_overdue_response(self) -> bool:
        """The recipient has not answered and the response deadline has passed."""
        return (
            self.response_due is not None
            and self.status in {Status.RECEIVED, Status.READ}
            and self.response_due < timezone.localdate()
        )

    @property
    def response_days_left(self) -> int | None:
        """Calendar days left to accept or reject (0: today is the last day; negative: the
        period has ended); ``None`` when nothing is owed (answered, or no deadline)."""
        if self.response_due is None or self.status not in {Status.RECEIVED, Status.READ}:
            return None
        return (self.response_due - timezone.localdate()).days

    @property
    def is_overdue_payment(self) -> bool:
        return (
            self.due_date is not None
            and self.status not in {Status.PAID, Status.REJECTED, Status.CANCELLED}
            and self.due_date < timezone.localdate()
        )


class Document(models.Model):
    """An archived file of an invoice: the original as it came, and what we derived from it.

    The bytes live in the ``documents`` storage under a name derived from their SHA-256 (the
    same bytes are stored once).  Each row is chained to the previous one by ``chain_hash``
    (SHA-256 over the previous chain hash and this row's identity and content hash), so deleting
    or altering an archived document or its record is detectable (``storage.check_archive``).

    A row is written unsealed (``chain_seq`` and ``chain_hash`` empty) in the transaction that
    stores its invoice; right after that transaction commits, :func:`storage.seal_pending`
    appends it to the chain in a short transaction of its own, in commit order.  So the chain
    is never a lock held while invoices are stored.
    """

    class Role(models.TextChoices):
        ORIGINAL = "original", _("Original")
        UPLOADED = "uploaded", _("Uploaded (before signing)")

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="documents", verbose_name=_("invoice")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    filename = models.CharField(_("file name"), max_length=200)
    storage_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, default="application/xml")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=16, blank=True)
    version = models.CharField(max_length=16, blank=True)
    signed = models.BooleanField(default=False)
    batch_index = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Position of the invoice inside a batch file.")
    )
    chain_seq = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        unique=True,
        help_text=_("Position in the archive's hash chain (empty until sealed)."),
    )
    chain_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("archived document")
        verbose_name_plural = _("archived documents")
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_role_display()})"


class ArchiveHead(models.Model):
    """The single row holding the newest position and chain hash of the document archive.

    Only the sealer (:func:`storage.seal_pending`) locks it, for the few milliseconds it takes
    to chain the documents committed since its last run; storing an invoice never waits for it.
    """

    chain_hash = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("archive chain head")
        verbose_name_plural = _("archive chain head")

    def __str__(self) -> str:
        return self.chain_hash


class Event(models.Model):
    """One thing that happened to an invoice: its timeline, shared by both sides."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="events", verbose_name=_("invoice")
    )
    kind = models.CharField(_("event"), max_length=32, choices=EventKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("who"), max_length=200, blank=True)
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("invoice event")
        verbose_name_plural = _("invoice events")
        ordering = ("at", "id")

    def __str__(self) -> str:
        when = formats.date_format(timezone.localtime(self.at), "SHORT_DATETIME_FORMAT")
        return f"{self.get_kind_display()} · {when}"
