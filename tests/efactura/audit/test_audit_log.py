"""The audit log is append-only and every entry names a dotted action."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from efactura.audit.choices import Source
from efactura.audit.models import AppendOnlyError, AuditEntry
from efactura.audit.services import record

pytestmark = pytest.mark.django_db


def test_record_fills_object_and_actor(supplier: Any, supplier_user: Any) -> None:
    entry = record(
        action="companies.company.inspected",
        actor=supplier_user,
        company=supplier,
        obj=supplier,
        data={"why": "test"},
        source=Source.WEB,
    )
    entry.refresh_from_db()
    assert entry.object_type == "companies.company"
    assert entry.object_id == str(supplier.pk)
    assert entry.actor_label == supplier_user.email
    assert entry.source == "web"
    assert entry.data == {"why": "test"}


@pytest.mark.parametrize("action", ["created", "Companies.Company.Created", "a.b", "a..b.c"])
def test_record_refuses_undotted_actions(action: str) -> None:
    with pytest.raises(ValueError, match="dotted"):
        record(action=action)


def test_entries_cannot_be_changed_or_deleted(supplier: Any) -> None:
    entry = AuditEntry.objects.filter(action="companies.company.created").get()
    entry.action = "companies.company.forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x.y.z")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "companies.company.created"


def test_admin_is_read_only(supplier_user: Any) -> None:
    model_admin = site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = supplier_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
