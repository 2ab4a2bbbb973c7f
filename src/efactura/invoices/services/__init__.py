"""Writes on invoices: issue, import, route, and the business lifecycle.

Every function is keyword-only, takes the acting company and user explicitly (``actor`` is
``None`` for API keys, peers and the system) and the edge it came through (``source``), runs in
one transaction, appends an :class:`~efactura.invoices.models.Event` to the invoice's timeline
and an audit entry, and enqueues the side effects of :mod:`efactura.invoices.effects` in the
same transaction, so notifications, federation and webhooks act after commit.

Errors a user can fix raise :class:`InvoiceRejected` (carrying the standards library's
violations, each with rule id and a bilingual sentence) or Django's ``ValidationError``;
acting on an invoice of another company raises ``Invoice.DoesNotExist`` (a 404 at the edges,
so nobody learns that the invoice exists).
"""

from __future__ import annotations

from efactura.invoices.services._common import (
    InvoiceRejected,
    _add_event,
    _require_writer,
    _violation,
    canonical,
    on_invoice_created,
    response_days,
    seller_party,
)
from efactura.invoices.services.importing import (
    FileReport,
    ImportedInvoice,
    ImportReport,
    _duplicate_violation,
    _find_duplicate,
    _import_one_file,
    _side_violation,
    _store_imported,
    _validate,
    _verify_signature,
    do_import_files,
    expand_upload,
)
from efactura.invoices.services.issuing import (
    _sign,
    _spanish_violations,
    _upsert_customer,
    _with_sealing_party,
    do_issue_invoice,
    month_of,
)
from efactura.invoices.services.lifecycle import (
    _as_issuer,
    _as_recipient,
    _check_open,
    _locked,
    _status_event,
    do_accept_invoice,
    do_answer_cancellation,
    do_mark_read,
    do_record_payment,
    do_reject_invoice,
    do_request_cancellation,
    list_allowed_actions,
)
from efactura.invoices.services.numbering import (
    allocate_number,
    do_create_series,
    list_series_choices,
    peek_number,
)
from efactura.invoices.services.peer import (
    do_apply_peer_status,
    do_mark_received_from_partner,
    do_record_peer_delivery,
)
from efactura.invoices.services.routing import (
    RouteDecision,
    _deliver_locally,
    discover_route,
    do_deliver_waiting_invoices,
    find_route,
    route_invoice,
)

__all__ = [
    "FileReport",
    "ImportReport",
    "ImportedInvoice",
    "InvoiceRejected",
    "RouteDecision",
    "_add_event",
    "_as_issuer",
    "_as_recipient",
    "_check_open",
    "_deliver_locally",
    "_duplicate_violation",
    "_find_duplicate",
    "_import_one_file",
    "_locked",
    "_require_writer",
    "_side_violation",
    "_sign",
    "_spanish_violations",
    "_status_event",
    "_store_imported",
    "_upsert_customer",
    "_validate",
    "_verify_signature",
    "_violation",
    "_with_sealing_party",
    "allocate_number",
    "canonical",
    "discover_route",
    "do_accept_invoice",
    "do_answer_cancellation",
    "do_apply_peer_status",
    "do_create_series",
    "do_deliver_waiting_invoices",
    "do_import_files",
    "do_issue_invoice",
    "do_mark_read",
    "do_mark_received_from_partner",
    "do_record_payment",
    "do_record_peer_delivery",
    "do_reject_invoice",
    "do_request_cancellation",
    "expand_upload",
    "find_route",
    "list_allowed_actions",
    "list_series_choices",
    "month_of",
    "on_invoice_created",
    "peek_number",
    "response_days",
    "route_invoice",
    "seller_party",
]
