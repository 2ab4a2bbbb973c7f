"""Operators read the audit log in Django admin; nobody can add, change or delete entries."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from efactura.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "time",
        "action",
        "actor_label",
        "company",
        "object_type",
        "object_id",
        "source",
    )
    list_filter = ("source", "action")
    search_fields = ("action", "actor_label", "object_id", "company__legal_name", "company__tax_id")
    date_hierarchy = "time"
    list_select_related = ("company",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
