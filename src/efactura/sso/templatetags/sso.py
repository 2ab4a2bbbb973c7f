"""``{% sso_entry next %}``: the "Enter from online banking" button, shown when configured."""

from __future__ import annotations

from typing import Any

from django import template

from efactura.sso import config as sso_config

register = template.Library()


@register.inclusion_tag("sso/_entry.html")
def sso_entry(next_url: str = "") -> dict[str, Any]:
    config = sso_config.current()
    return {
        "sso_enabled": config is not None,
        "provider_name": config.provider_name if config else "",
        "next": next_url,
    }
