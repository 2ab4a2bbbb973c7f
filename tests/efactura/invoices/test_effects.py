"""Side effects are explicit tasks: listed in one table, enqueued with the change, and a
failing one is logged, recorded as failed and retried — never swallowed."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string
from tests.efactura.invoices import helpers as h

from efactura.invoices import effects, services


def test_every_listed_handler_exists() -> None:
    for handlers in effects.EFFECTS.values():
        for dotted in handlers:
            assert callable(import_string(dotted)), dotted


@pytest.fixture
def seller(make_company: Any) -> Any:
    return h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)


@pytest.mark.django_db
@pytest.mark.uses_db_worker
def test_a_failing_side_effect_is_logged_failed_and_retried(
    seller: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # The worker shares the test's connection (inside the test transaction): keep it open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("template missing")

    monkeypatch.setattr("efactura.notifications.receivers.on_invoice_routed", broken)
    invoice = services.do_issue_invoice(
        company=seller, actor=None, draft=h.draft(h.OUTSIDER_TAX_ID), series_code="A"
    )
    # One task for the change, running every handler of it.
    queued = DBTaskResult.objects.filter(task_path=effects.run_effect.module_path)
    assert [row.args_kwargs["kwargs"]["handlers"] for row in queued] == [
        list(effects.EFFECTS[effects.INVOICE_ROUTED])
    ]
    assert {row.args_kwargs["kwargs"]["invoice_id"] for row in queued} == {str(invoice.pk)}

    with caplog.at_level(logging.ERROR, logger="efactura.invoices.effects"):
        call_command("db_worker", batch=True, interval=0, verbosity=0)
    assert "Side effect efactura.notifications.receivers.on_invoice_routed failed" in caplog.text
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "template missing" in failed.traceback
    retry = DBTaskResult.objects.get(status="READY", task_path=effects.run_effect.module_path)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    # Only the failed handler is retried; the others ran.
    assert retry.args_kwargs["kwargs"]["handlers"] == [
        "efactura.notifications.receivers.on_invoice_routed"
    ]
    assert 50 < (retry.run_after - timezone.now()).total_seconds() <= effects.RETRY_DELAYS[0]


@pytest.mark.django_db
def test_a_local_delivery_queues_one_task_with_every_effect(
    seller: Any, make_company: Any, settings: Any
) -> None:
    """Routed and received in one transaction: one task runs both changes' handlers."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    invoice = services.do_issue_invoice(
        company=seller, actor=None, draft=h.draft(h.BUYER_TAX_ID), series_code="A"
    )
    queued = DBTaskResult.objects.filter(task_path=effects.run_effect.module_path)
    assert [row.args_kwargs["kwargs"]["handlers"] for row in queued] == [
        [
            *effects.EFFECTS[effects.INVOICE_ROUTED],
            *effects.EFFECTS[effects.INVOICE_RECEIVED],
        ]
    ]
    assert queued.get().args_kwargs["kwargs"]["invoice_id"] == str(invoice.pk)


def _issue_to_a_registered_customer(seller: Any, make_company: Any) -> Any:
    import dataclasses

    from einvoice import model as em

    h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    draft = h.draft(h.BUYER_TAX_ID)
    buyer = dataclasses.replace(
        draft.buyer, contact=em.Contact(email="facturas@hosteleria.example")
    )
    return services.do_issue_invoice(
        company=seller, actor=None, draft=dataclasses.replace(draft, buyer=buyer), series_code="A"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.uses_db_worker
def test_an_effects_email_and_spfe_copy_run_in_the_same_task(
    seller: Any, make_company: Any
) -> None:
    """The effect's follow-ups (the customer's email, the SPFE copy) are done by the effect's
    own task after its handlers: no further task is queued, claimed and finished for them."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from efactura.notifications.models import Notification
    from efactura.spfe.models import Item

    invoice = _issue_to_a_registered_customer(seller, make_company)
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    from efactura.notifications.tasks import deliver_notification
    from efactura.spfe.tasks import send_invoice_items

    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert effects.run_effect.module_path in paths
    assert not paths & {deliver_notification.module_path, send_invoice_items.module_path}
    assert {row.status for row in DBTaskResult.objects.all()} == {"SUCCESSFUL"}
    emails = Notification.objects.filter(invoice=invoice)
    assert emails.exists() and {n.status for n in emails} == {"sent"}
    assert Item.objects.get(invoice=invoice).state == "accepted"


@pytest.mark.django_db(transaction=True)
@pytest.mark.uses_db_worker
def test_a_follow_up_that_fails_inside_the_effect_goes_to_the_queue(
    seller: Any,
    make_company: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from efactura.notifications.tasks import deliver_notification

    calls: list[int] = []

    def broken(*, notification_id: int) -> str:
        calls.append(notification_id)
        raise RuntimeError("SMTP library bug")

    monkeypatch.setattr("efactura.notifications.services.do_send_notification", broken)
    _issue_to_a_registered_customer(seller, make_company)
    with caplog.at_level(logging.ERROR, logger="efactura.invoices.effects"):
        call_command("db_worker", batch=True, interval=0, verbosity=0)
    assert "queued again" in caplog.text
    # Tried once inside the effect, then once more by the queue, which records the failure.
    queued = DBTaskResult.objects.get(task_path=deliver_notification.module_path)
    assert queued.status == "FAILED" and "SMTP library bug" in queued.traceback
    assert len(calls) == 2 and calls[0] == calls[1]
    effect = DBTaskResult.objects.get(task_path=effects.run_effect.module_path)
    assert effect.status == "SUCCESSFUL"
