"""Extension points of the invoices app (STYLE.md habit 10).

Receivers run inside the service's transaction: anything with side effects outside the
database (emails, HTTP deliveries, webhooks) must be enqueued as a task with
``transaction.on_commit`` and take primary keys, never model instances.

``invoice_routed(sender, invoice, route, source)``
    An invoice got its routing decision (local inbox, peer platform, awaiting registration).
    Notifications send the customer's email / invitation; federation hands peer routes to the
    delivery task.
``invoice_status_changed(sender, invoice, event, source)``
    A business status event was recorded (read, accepted, rejected, payment, cancellation …).
    Notifications tell the issuer; federation forwards it to the issuer's platform; webhooks fire.
``invoice_received(sender, invoice, source)``
    An invoice entered a company's *Invoices payable* (delivery, import, registration release).
"""

from __future__ import annotations

from django.dispatch import Signal

invoice_routed = Signal()
invoice_status_changed = Signal()
invoice_received = Signal()
