"""Reads of the interconnection app (operators only: partners are platform-wide)."""

from __future__ import annotations

from efactura.interconnection.models import Partner


def list_partners() -> list[Partner]:
    return list(Partner.objects.order_by("name"))


def access_partner_by_name(*, name: str) -> Partner | None:
    return Partner.objects.filter(name=name).first()
