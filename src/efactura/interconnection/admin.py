"""Operators manage partners in the Django admin; messages, discovery answers and the
platform's credential are read-only (the key is never shown)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from efactura.interconnection.models import (
    DiscoveryEntry,
    InboundMessage,
    NodeCredential,
    OutboundMessage,
    Partner,
)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "party_id", "smp_url", "is_active", "created")
    list_filter = ("is_active",)
    search_fields = ("name", "party_id", "smp_url", "note")
    readonly_fields = ("party_id", "fingerprint", "created")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(_ReadOnly):
    list_display = (
        "message_id",
        "kind",
        "partner",
        "status",
        "attempts",
        "next_attempt",
        "created",
    )
    list_filter = ("status", "kind")
    search_fields = ("message_id", "invoice__full_number", "recipient_participant", "last_error")
    exclude = ("payload", "receipt")


@admin.register(InboundMessage)
class InboundMessageAdmin(_ReadOnly):
    list_display = ("message_id", "kind", "party_id", "outcome", "created")
    list_filter = ("kind", "outcome")
    search_fields = ("message_id", "sender_participant", "recipient_participant")
    exclude = ("receipt",)


@admin.register(DiscoveryEntry)
class DiscoveryEntryAdmin(_ReadOnly):
    list_display = ("participant", "expires")
    search_fields = ("participant",)


@admin.register(NodeCredential)
class NodeCredentialAdmin(_ReadOnly):
    list_display = ("id", "created")
    exclude = ("key_encrypted",)
