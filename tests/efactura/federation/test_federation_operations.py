"""Operator tools: re-queueing stalled messages, system checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from tests.efactura.federation.helpers import FakePeer, StubPeer
from tests.efactura.invoices.helpers import ADDRESS, draft

from efactura.federation.checks import check_node_key, check_peers_deploy
from efactura.federation.models import OutboundMessage
from efactura.invoices.choices import Transport
from efactura.invoices.services import do_issue_invoice


def test_stalled_messages_are_sent_again(
    settings: Any, make_company: Any, django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    settings.EFACTURA_NODE_ID = "node-a"
    from efactura.federation import identity

    stub = StubPeer("node-b")
    stub.sender_key = identity.public_key_text()
    stub.served.add("9920:ESA39123450")
    settings.EFACTURA_PEERS = [stub.entry()]
    try:
        issuer = make_company("Suministros Levante, S.L.", tax_id="B98765431", **ADDRESS)
        # Issued, but the worker died before sending: the task never ran (callbacks dropped).
        with django_capture_on_commit_callbacks(execute=False):
            invoice = do_issue_invoice(company=issuer, actor=None, draft=draft("A39123450"))
        message = OutboundMessage.objects.get(invoice=invoice)
        fresh = OutboundMessage.objects.filter(pk=message.pk)
        fresh.update(status="sending", attempts=1)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("federation_requeue")
        assert stub.received == []  # too recent to be called stalled
        fresh.update(updated=timezone.now() - dt.timedelta(minutes=30))
        with django_capture_on_commit_callbacks(execute=True):
            call_command("federation_requeue")
    finally:
        stub.close()

    assert "1 federation messages" in capsys.readouterr().out
    message.refresh_from_db()
    invoice.refresh_from_db()
    assert message.status == "delivered" and message.attempts == 2
    assert invoice.transport == Transport.DELIVERED
    assert len(stub.received) == 1


def test_deploy_check_warns_about_plain_http_peers_and_implicit_node_id(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.EFACTURA_NODE_ID_EXPLICIT = False
    settings.EFACTURA_PEERS = [
        dict(FakePeer("bank-b").entry(), url="http://b.example"),
        dict(FakePeer("bank-c").entry(), url="https://c.example"),
    ]
    ids = [(m.id, "bank-b" in m.msg) for m in check_peers_deploy()]
    assert ids == [("federation.W001", True), ("federation.W002", False)]
    settings.PRODUCTION = False
    assert check_peers_deploy() == []


def test_unreadable_node_key_is_a_check_error(settings: Any, tmp_path: Any) -> None:
    bad = tmp_path / "key.pem"
    bad.write_text("not a key")
    settings.EFACTURA_NODE_KEY_FILE = str(bad)
    [error] = check_node_key()
    assert error.id == "federation.E001"
    assert str(bad) in error.msg
