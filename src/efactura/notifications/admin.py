"""Operators can read the embedded outbox in Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from efactura.notifications.models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "recipients_display", "created")
    search_fields = ("subject",)
    readonly_fields = (
        "from_email",
        "to",
        "cc",
        "bcc",
        "subject",
        "text",
        "html",
        "headers",
        "created",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxEmail | None = None) -> bool:
        return False
