"""Template context shared by every page: navigation, company switcher, languages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from efactura.companies.acting import request_notes
from efactura.companies.selectors import list_memberships


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    memberships = (
        list(list_memberships(user=user)) if user is not None and user.is_authenticated else []
    )
    notes = request_notes(request)
    return {
        "acting_company": notes.company,
        "acting_membership": notes.membership,
        "memberships": memberships,
        "outbox_enabled": settings.EMAIL_OUTBOX_ENABLED,
    }
