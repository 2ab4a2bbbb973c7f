"""Operator page: the SPFE queue (Django admin, read-only, with a retry action)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from efactura.spfe.models import Item
from efactura.spfe.services import do_retry_item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    list_display = (
        "created",
        "invoice_number",
        "code",
        "state",
        "attempts",
        "next_attempt",
        "verification_code",
        "sent_at",
    )
    list_filter = ("state", "kind", "code")
    search_fields = ("invoice__full_number", "invoice__seller_tax_id", "verification_code")
    readonly_fields = [f.name for f in Item._meta.fields]
    list_select_related = ("invoice",)
    actions = ("retry",)

    @admin.display(description=_("invoice number"), ordering="invoice__full_number")
    def invoice_number(self, item: Item) -> str:
        return item.invoice.full_number

    @admin.action(description=_("Send the selected items again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        items = list(queryset)
        for item in items:
            do_retry_item(item=item)
        count = len(items)
        self.message_user(
            request,
            ngettext("%(count)d item queued again.", "%(count)d items queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
