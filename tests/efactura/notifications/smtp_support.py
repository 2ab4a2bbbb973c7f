"""Test support: a real SMTP server (aiosmtpd) on a free local port, invoice drafts.

Messages are kept as the raw bytes the server received and parsed the way a mail client does
(:mod:`email` with the modern policy), so tests see multipart structure, charsets, headers
and attachments exactly as a customer's mail program would.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from einvoice import model as em


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    """A running SMTP server; ``messages`` are parsed ``EmailMessage`` objects."""

    def __init__(self) -> None:
        self.port = free_port()
        self.collector = _Collector()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.collector.lock:
            return list(self.collector.messages)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.collector.arrived:
            self.collector.arrived.wait_for(
                lambda: len(self.collector.messages) >= count, timeout=timeout
            )
            return list(self.collector.messages)

    def mailers(self) -> dict[str, Any]:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }


def mailers_for_closed_port() -> dict[str, Any]:
    """SMTP settings pointing at a port nobody listens on (connection refused)."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }


def parts(message: EmailMessage) -> dict[str, Any]:
    """Text body, HTML body and attachments (name → bytes) of a received message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    return {
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
        "attachments": attachments,
    }


def draft(*, buyer_tax_id: str, buyer_name: str, email: str = "", price: str = "100") -> em.Invoice:
    """A one-line draft for ``do_issue_invoice`` (seller, number and totals are filled in)."""
    net = Decimal(price)
    return em.Invoice(
        number="DRAFT",
        issue_date=dt.date.today(),
        seller=em.Party(name="(set by the service)", tax_id="ESB00000000"),
        buyer=em.Party(
            name=buyer_name,
            tax_id=buyer_tax_id,
            address=em.Address(
                line1="Calle Mayor 1",
                city="Santander",
                postal_code="39001",
                subdivision="Cantabria",
                country="ES",
            ),
            contact=em.Contact(email=email),
        ),
        totals=em.Totals(
            line_net_total=net,
            tax_exclusive=net,
            vat_total=Decimal("0"),
            tax_inclusive=net,
            payable=net,
        ),
        lines=(
            em.Line(
                id="1",
                name="Servicio de mantenimiento",
                quantity=Decimal("1"),
                net_price=net,
                net_amount=net,
                vat_rate=Decimal("21"),
            ),
        ),
    )


@pytest.fixture(name="issuer")
def issuer_fixture(make_company: Any) -> Any:
    """A supplier with the full address Facturae needs to issue."""
    return make_company(
        "Suministros Levante, S.L.",
        tax_id="B98765431",
        address="Avenida del Puerto 12",
        postal_code="46024",
        city="Valencia",
        province="Valencia",
    )


@pytest.fixture(name="issuer_user")
def issuer_user_fixture(make_user: Any, issuer: Any) -> Any:
    return make_user("proveedor@example.com", issuer, role="admin")
