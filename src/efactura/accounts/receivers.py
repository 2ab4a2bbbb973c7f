"""Audit entries for django-axes' lockouts (axes sends its own signal)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.dispatch import receiver

from efactura.accounts.throttling import client_ip
from efactura.audit.choices import Source
from efactura.audit.services import record


@receiver(user_locked_out, dispatch_uid="efactura.accounts.login_locked_out")
def login_locked_out(sender: Any, request: Any = None, username: Any = None, **kwargs: Any) -> None:
    """Repeated failed logins locked an account or a client: an audit entry for operators."""
    ip_address = kwargs.get("ip_address") or (client_ip(request) if request is not None else "")
    record(
        action="accounts.login.locked_out",
        source=Source.WEB,
        data={"username": str(username or ""), "ip_address": str(ip_address or "")},
    )
