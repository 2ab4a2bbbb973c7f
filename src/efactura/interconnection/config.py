"""Interconnection settings, read through one function so defaults live in ``choices``."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from efactura.interconnection import choices


def setting(name: str) -> Any:
    """``settings.EFACTURA_AS4_<NAME>`` or the default in :mod:`choices`."""
    return getattr(settings, f"EFACTURA_AS4_{name}", getattr(choices, name))


def base_url() -> str:
    return str(settings.EFACTURA_BASE_URL).rstrip("/")


def as4_url() -> str:
    """Where partners POST AS4 messages (derived from ``EFACTURA_BASE_URL``)."""
    return f"{base_url()}/as4"


def smp_url() -> str:
    """This platform's SMP (derived from ``EFACTURA_BASE_URL``)."""
    return f"{base_url()}/smp"
