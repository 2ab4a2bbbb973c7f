"""Reads on the audit log, always scoped to one company."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from efactura.audit.models import AuditEntry

if TYPE_CHECKING:
    from efactura.companies.models import Company


def list_audit_entries(*, company: Company) -> QuerySet[AuditEntry]:
    """The acting company's audit trail, newest first."""
    return AuditEntry.objects.filter(company=company).select_related("actor")
