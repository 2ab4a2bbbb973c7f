"""Read-only admin views of certificates and signing settings.

Certificates are uploaded and removed only through the services (the certificates page), so
the admin cannot add or edit them, and it never shows the encrypted key material.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from efactura.signing.models import Certificate, SigningSettings


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("common_name", "company", "not_after", "is_active", "is_test", "created")
    list_filter = ("is_active", "is_test")
    search_fields = ("common_name", "subject", "serial", "company__legal_name", "company__tax_id")
    fields = (
        "company",
        "common_name",
        "subject",
        "issuer",
        "serial",
        "fingerprint",
        "tax_ids",
        "not_before",
        "not_after",
        "is_test",
        "is_active",
        "uploaded_by",
        "created",
        "retired",
        "expiry_warned",
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("p12_encrypted", "password_encrypted")


@admin.register(SigningSettings)
class SigningSettingsAdmin(ReadOnlyAdmin):
    list_display = ("company", "policy", "updated")
    list_filter = ("policy",)
