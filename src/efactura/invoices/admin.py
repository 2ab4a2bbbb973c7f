"""Operator support in the back office: find any invoice and see why its delivery failed.

Read-only: invoices change only through their services (STYLE.md habit 2).  The search
covers the invoice number and both parties' tax IDs and names; the invoice's page shows its
timeline, its AS4 messages with their last error and its emails with theirs, which together
say why a delivery failed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from efactura.invoices.choices import EventKind
from efactura.invoices.models import Event, Invoice

FAILURE_KINDS = (EventKind.DELIVERY_FAILED, EventKind.EMAIL_FAILED)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(_ReadOnlyInline):
    model = Event
    fields = ("at", "kind", "actor_label", "source", "data")
    readonly_fields = fields
    ordering = ("at", "id")
    verbose_name_plural = _("Timeline")


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = (
        "full_number",
        "issue_date",
        "seller_name",
        "seller_tax_id",
        "buyer_name",
        "buyer_tax_id",
        "total",
        "status",
        "transport",
        "route",
    )
    list_filter = ("status", "transport", "route", "origin")
    search_fields = (
        "full_number",
        "seller_tax_id",
        "buyer_tax_id",
        "seller_name",
        "buyer_name",
    )
    date_hierarchy = "issue_date"
    show_full_result_count = False  # no COUNT(*) over every invoice on each search
    list_select_related = ()
    # ``kind`` is always "invoice" (the type code says what kind): a raw word, not shown.
    exclude = ("canonical", "signature", "kind")
    readonly_fields = ("delivery_problems",)
    inlines = (EventInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # Tax IDs are stored canonical (upper case, "ES" prefix): "b12345674" finds ESB12345674.
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().upper().replace(" ", "").replace("-", "")
        if term and not term.startswith("ES") and len(term) == 9:
            results |= queryset.filter(seller_tax_id="ES" + term) | queryset.filter(
                buyer_tax_id="ES" + term
            )
        return results, duplicates

    @admin.display(description=_("Why delivery failed"))
    def delivery_problems(self, obj: Invoice) -> str:
        """Failed-delivery events, AS4 messages and emails with their error, newest first."""
        rows: list[tuple[str, str, str]] = []
        for event in obj.events.filter(kind__in=FAILURE_KINDS).order_by("-at")[:20]:
            reason = event.data.get("error") or event.data.get("reason") or event.data
            rows.append((str(event.at), event.get_kind_display(), str(reason)))
        for message in obj.as4_messages.exclude(last_error="").order_by("-created")[:20]:
            rows.append(
                (
                    str(message.updated),
                    f"AS4 {message.get_status_display()} "
                    f"({message.partner or message.recipient_participant})",
                    message.last_error,
                )
            )
        for mail in obj.notifications.exclude(last_error="").order_by("-created")[:20]:
            rows.append(
                (
                    str(mail.updated),
                    f"{mail.get_kind_display()} → {', '.join(mail.to)}",
                    mail.last_error,
                )
            )
        if obj.route_detail:
            rows.append(("", str(_("Route")), obj.route_detail))
        if not rows:
            return str(_("No delivery problem recorded."))
        return format_html_join(
            "", "<p><strong>{}</strong> {}: {}</p>", ((k, t, r) for t, k, r in rows)
        )
