"""Writing the audit log: the one ``record`` helper every service calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from efactura.audit.choices import ACTION_PATTERN, Source
from efactura.audit.models import AuditEntry
from efactura.companies.acting import actor_label

if TYPE_CHECKING:
    from efactura.companies.acting import Actor
    from efactura.companies.models import Company


def record(
    *,
    action: str,
    actor: Actor = None,
    company: Company | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    source: Source = Source.SYSTEM,
) -> AuditEntry:
    """Append one audit entry and return it.

    ``action`` is a dotted name ``<app>.<object>.<verb>`` (``companies.apikey.revoked``);
    ``obj`` gives the object type (``app_label.model``) and id; ``data`` must be JSON-serialisable
    and should hold what a reviewer needs later without looking elsewhere.  Call it inside the
    service's transaction so the entry exists exactly when the change does.
    """
    if not ACTION_PATTERN.match(action):
        raise ValueError(f"Audit action {action!r} is not a dotted name like 'app.object.verb'.")
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    from efactura.companies.models import ApiKey

    return AuditEntry.objects.create(
        action=action,
        actor=None if isinstance(actor, ApiKey) else actor,
        api_key=actor if isinstance(actor, ApiKey) else None,
        actor_label=actor_label(actor),
        company=company,
        object_type=object_type,
        object_id=object_id,
        data=data or {},
        source=source,
    )
