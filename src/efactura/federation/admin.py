"""Operators manage peers in the Django admin; messages and discovery answers are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from efactura.federation.models import InboundMessage, OutboundMessage, ParticipantRoute, Peer


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    list_display = ("node_id", "base_url", "is_active", "updated")
    list_filter = ("is_active",)
    search_fields = ("node_id", "base_url", "note")


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
        "peer_id",
        "status",
        "attempts",
        "next_attempt",
        "created",
    )
    list_filter = ("status", "kind", "peer_id")
    search_fields = ("message_id", "invoice__full_number", "last_error")
    raw_id_fields = ("invoice",)


@admin.register(InboundMessage)
class InboundMessageAdmin(_ReadOnly):
    list_display = ("message_id", "kind", "peer_id", "status", "received")
    list_filter = ("status", "kind", "peer_id")
    search_fields = ("message_id",)
    raw_id_fields = ("invoice",)


@admin.register(ParticipantRoute)
class ParticipantRouteAdmin(admin.ModelAdmin):
    """Deleting an answer makes the next invoice for that participant ask the peers again."""

    list_display = ("participant", "peer_id", "checked", "expires")
    search_fields = ("participant", "peer_id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
