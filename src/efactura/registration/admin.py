"""Operators can see (never the clear value of) registration codes and lift lockouts."""

from __future__ import annotations

from django.contrib import admin

from efactura.registration.models import InvitationCode, IssuerCode, RegistrationThrottle


@admin.register(InvitationCode)
class InvitationCodeAdmin(admin.ModelAdmin):
    list_display = ("tax_id", "issuer", "email", "created", "expires", "used_at")
    search_fields = ("tax_id", "email")
    exclude = ("code_hash",)
    readonly_fields = (
        "tax_id",
        "issuer",
        "invoice",
        "email",
        "created",
        "expires",
        "used_at",
        "used_by",
    )


@admin.register(IssuerCode)
class IssuerCodeAdmin(admin.ModelAdmin):
    list_display = ("tax_id", "issuer", "created", "expires", "revoked_at", "used_at")
    search_fields = ("tax_id",)
    exclude = ("code_hash",)
    readonly_fields = (
        "issuer",
        "tax_id",
        "created",
        "created_by",
        "expires",
        "revoked_at",
        "used_at",
        "used_by",
    )


@admin.register(RegistrationThrottle)
class RegistrationThrottleAdmin(admin.ModelAdmin):
    list_display = ("key", "failures", "window_start", "locked_until")
    search_fields = ("key",)
