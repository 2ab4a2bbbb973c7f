"""The API's endpoints: parse the request, resolve the company, call one service or selector,
answer.  No business rules here (STYLE.md habit 1)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from efactura.api import selectors, services
from efactura.api.auth import ApiKeyAuth, acting_key, max_request_bytes, require_scope
from efactura.api.problems import ApiProblem, json_response, problem
from efactura.api.representations import (
    event_dict,
    invoice_detail,
    list_row_summary,
)
from efactura.api.schemas import (
    AckRequest,
    AckResult,
    DocumentParams,
    EventList,
    EventParams,
    InvoiceDetail,
    InvoiceList,
    ListParams,
    Me,
    Problem,
    ReceivedListParams,
    StatusChange,
    SubmitResult,
)
from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, request_notes
from efactura.companies.choices import ApiScope
from efactura.invoices.models import Invoice
from efactura.invoices.selectors import InvoiceFilters, access_invoice_by_id

SEND, RECEIVE, STATUS = ApiScope.SEND.value, ApiScope.RECEIVE.value, ApiScope.STATUS.value

DESCRIPTION = """
Send and receive electronic invoices for your company from your management programme (ERP).

* Authenticate with `Authorization: Bearer <API key>` (Tools › Set-up › API keys).
* Errors are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem documents
  (`application/problem+json`) with `violations` naming each rule.
* Lists use cursors; `changes=true` turns a list into a change feed.
* See the guide `docs/api.md` for idempotency, webhooks and limits.
"""

_XML_TYPES = {
    "application/xml",
    "text/xml",
    "application/octet-stream",
    # Files (not JSON) in the other accepted syntaxes go through the same inbound pipeline.
    "application/pdf",  # Factur-X / ZUGFeRD
    "application/edifact",  # UN/EDIFACT INVOIC (media types compare lower-cased)
}
_ERROR_CONTENT = "application/problem+json"


class EfacturaApi(NinjaAPI):
    """NinjaAPI whose OpenAPI document declares problem+json for every error answer."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        problem_ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
        common = {
            "401": _("Missing, unknown or revoked API key."),
            "403": _("The API key lacks the scope this operation needs."),
            "413": _("The request body is larger than the limit."),
            "429": _("Rate limit reached; see the Retry-After header."),
        }
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                if operation.get("security"):
                    for code, text in common.items():
                        responses.setdefault(code, {"description": str(text)})
                    responses.setdefault("422", {"description": "Invalid parameters."})
                if "requestBody" in operation:
                    responses.setdefault("400", {"description": "The body cannot be parsed."})
                for code, response in responses.items():
                    if str(code).isdigit() and int(code) >= 400:
                        response["content"] = {_ERROR_CONTENT: problem_ref}
                        if str(code) == "429":
                            response["headers"] = {
                                "Retry-After": {
                                    "schema": {"type": "integer"},
                                    "description": "Seconds to wait.",
                                }
                            }
        return schema


api = EfacturaApi(
    title="efactura API",
    version="1.0",
    description=DESCRIPTION,
    auth=ApiKeyAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# -- Errors → problem documents -------------------------------------------------------------


@api.exception_handler(ApiProblem)
def _on_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return exc.response()


@api.exception_handler(AuthenticationError)
def _on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        status=401,
        slug="unauthenticated",
        title=_("A valid API key is needed."),
        detail=_(
            "Send the header “Authorization: Bearer <API key>” with an active key of your "
            "company (Tools › Set-up › API keys)."
        ),
        headers={"WWW-Authenticate": 'Bearer realm="efactura"'},
    )


@api.exception_handler(NinjaValidationError)
def _on_invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    violations = []
    for error in exc.errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = f"{location}: {error.get('msg', 'invalid')}"
        violations.append(
            {
                "rule": "API-PARAM",
                "severity": "fatal",
                "layer": "api",
                "location": location,
                "line": None,
                "invoice": None,
                "message": message,
                "message_es": message,
            }
        )
    return problem(
        status=422,
        slug="invalid-request",
        title=_("Some parameters are not valid."),
        detail="; ".join(str(v["message"]) for v in violations) or _("The request is not valid."),
        violations=violations,
    )


@api.exception_handler(HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals (a body that cannot be parsed is 400) as problem documents."""
    if exc.status_code == 400:
        return problem(
            status=400,
            slug="invalid-json",
            title=_("The body is not valid JSON."),
            detail=_("The request body could not be read as JSON."),
        )
    return problem(status=exc.status_code, slug="http-error", title=str(exc))


@api.exception_handler(Invoice.DoesNotExist)
def _on_missing_invoice(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        status=404,
        slug="not-found",
        title=_("No such invoice."),
        detail=_("There is no invoice with this id among your company's invoices."),
    )


@api.exception_handler(Http404)
def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(status=404, slug="not-found", title=_("Not found."))


@api.exception_handler(ValidationError)
def _on_refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = " ".join(str(m) for m in exc.messages)
    return problem(
        status=422,
        slug="not-allowed-now",
        title=_("The change was refused."),
        detail=detail,
        violations=[
            {
                "rule": f"LIFECYCLE-{(getattr(exc, 'code', None) or 'invalid').upper()}",
                "severity": "fatal",
                "layer": "lifecycle",
                "location": "",
                "line": None,
                "invoice": None,
                "message": detail,
                "message_es": detail,
            }
        ],
    )


@api.exception_handler(PermissionDenied)
def _on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        status=403,
        slug="forbidden",
        title=_("Your company cannot do this with this invoice."),
        detail=str(exc) or _("Your company cannot do this with this invoice."),
    )


@api.exception_handler(selectors.BadCursor)
def _on_bad_cursor(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        status=422,
        slug="invalid-cursor",
        title=_("The cursor is not valid."),
        detail=_("Pass back the next_cursor value of a previous answer of the same list."),
    )


# -- Who am I -------------------------------------------------------------------------------


@api.get("/me", response=Me, tags=["account"], summary="The company and scopes of this key")
def me(request: HttpRequest) -> dict[str, Any]:
    company = require_scope(request)
    return {
        "company_tax_id": company.tax_id,
        "company_name": company.legal_name,
        "scopes": sorted(request_notes(request).scopes),
    }


# -- Submitting -----------------------------------------------------------------------------

_SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "The invoice in the canonical model (docs/api.md).",
                }
            },
        },
    },
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Retry-safe key: the same key always gets the same answer.",
        },
        {
            "name": "filename",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Name of the file for an application/xml body (shown in errors).",
        },
    ],
}


def _unsupported_media(content_type: str) -> ApiProblem:
    return ApiProblem(
        status=415,
        slug="unsupported-media-type",
        title=_("Send the invoice as XML, as a multipart file, or as JSON."),
        detail=_(
            "Content-Type %(type)s is not accepted: use application/xml, multipart/form-data "
            "with a “file” field, or application/json."
        )
        % {"type": content_type or "-"},
    )


def _read_submission(request: HttpRequest) -> services.Submission:
    content_type = (request.content_type or "").lower()
    limit = max_request_bytes()
    if content_type == "multipart/form-data":
        files = request.FILES.getlist("file")
        if len(files) != 1:
            raise ApiProblem(
                status=422,
                slug="invalid-request",
                title=_("Send exactly one file in the “file” field."),
                detail=_("The multipart body has %(n)s files in “file”; send one per request.")
                % {"n": len(files)},
            )
        upload = files[0]
        return services.Submission(
            kind="xml", filename=(upload.name or "invoice.xml")[:200], data=upload.read()
        )
    if content_type in _XML_TYPES:
        filename = (request.GET.get("filename") or "invoice.xml")[:200]
        return services.Submission(kind="xml", filename=filename, data=request.read(limit + 1))
    if content_type == "application/json":
        raw = request.read(limit + 1)
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiProblem(
                status=400,
                slug="invalid-json",
                title=_("The body is not valid JSON."),
                detail=str(exc),
            ) from None
        return services.Submission(kind="json", payload=payload)
    raise _unsupported_media(content_type)


@api.post(
    "/invoices",
    response={201: SubmitResult, 409: Problem, 415: Problem, 422: Problem},
    openapi_extra=_SUBMIT_BODY,
    tags=["invoices"],
    summary="Send an invoice (XML of any supported format, or canonical JSON)",
)
def submit_invoice(request: HttpRequest) -> HttpResponse:
    """XML (Facturae, UBL, CII; batches and .zip too) is imported with your company as the
    seller, keeping your numbering; JSON is issued by the platform: numbered in its series,
    rendered as Facturae 3.2.2 and signed.  Either way the invoice is routed to the customer."""
    company = require_scope(request, SEND)
    submission = _read_submission(request)
    result = services.do_submit_invoice(
        company=company,
        actor=acting_key(request),
        submission=submission,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    headers = {**result.headers}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    if result.status == 201 and result.body.get("id"):
        headers["Location"] = f"/api/v1/invoices/{result.body['id']}"
    return json_response(result.status, result.body, headers)


# -- Lists ----------------------------------------------------------------------------------


def _filters(params: ListParams) -> InvoiceFilters:
    return InvoiceFilters(
        q=params.q.strip(),
        party=params.party.strip(),
        date_from=params.date_from,
        date_to=params.date_to,
        status=params.status or "",
        transport=params.transport or "",
        amount_min=params.amount_min,
        amount_max=params.amount_max,
        sort=params.sort,
    )


def _list(
    request: HttpRequest, side: str, params: ListParams, unacknowledged: bool
) -> HttpResponse:
    company = acting_company(request)
    page = selectors.list_api_invoices(
        company=company,
        side=side,  # type: ignore[arg-type]
        filters=_filters(params),
        unacknowledged=unacknowledged,
        changes=params.changes,
        cursor=params.cursor,
        size=params.page_size,
    )
    items = [list_row_summary(row, company_id=company.pk) for row in page.items]
    # The rows are built here from the database and already have the schema's shape
    # (``InvoiceList``, checked by the tests): encoding them directly spares validating every
    # field of every row again, the largest cost of a list request.
    body = {"items": items, "next_cursor": page.next_cursor, "has_more": page.has_more}
    return HttpResponse(json.dumps(body), content_type="application/json; charset=utf-8")


@api.get(
    "/invoices/issued",
    response={200: InvoiceList},
    tags=["invoices"],
    summary="Invoices your company issued",
)
def list_issued(request: HttpRequest, params: Query[ListParams]) -> HttpResponse:
    require_scope(request, SEND, STATUS)
    return _list(request, "issued", params, unacknowledged=False)


@api.get(
    "/invoices/received",
    response={200: InvoiceList},
    tags=["invoices"],
    summary="Invoices your company received (Invoices payable)",
)
def list_received(request: HttpRequest, params: Query[ReceivedListParams]) -> HttpResponse:
    require_scope(request, RECEIVE)
    return _list(request, "received", params, unacknowledged=params.unacknowledged)


@api.post(
    "/invoices/ack",
    response={200: AckResult},
    tags=["invoices"],
    summary="Acknowledge received invoices your programme has taken in (batch)",
)
def acknowledge_batch(request: HttpRequest, body: AckRequest) -> dict[str, Any]:
    company = require_scope(request, RECEIVE)
    done, missing = services.do_acknowledge_invoices(
        company=company,
        invoice_ids=body.ids,
        api_key_id=acting_key(request).pk,
    )
    return {"acknowledged": done, "not_found": missing}


# -- One invoice ----------------------------------------------------------------------------


@api.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceDetail, 404: Problem},
    tags=["invoices"],
    summary="One invoice: status, timeline, documents and content",
)
def get_invoice(request: HttpRequest, invoice_id: str) -> dict[str, Any]:
    company = require_scope(request, SEND, RECEIVE, STATUS)
    invoice = access_invoice_by_id(company=company, invoice_id=invoice_id)
    acked = selectors.acknowledged_ids(company=company, invoice_ids=[invoice.pk])
    return invoice_detail(invoice, company=company, acknowledged=str(invoice.pk) in acked)


_DOCUMENT_RESPONSES = {
    "responses": {
        "200": {
            "description": "The document",
            "content": {
                "application/xml": {"schema": {"type": "string", "format": "binary"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
}


@api.get(
    "/invoices/{invoice_id}/document",
    response={404: Problem, 409: Problem, 422: Problem},
    openapi_extra=_DOCUMENT_RESPONSES,
    tags=["invoices"],
    summary="The original file, the invoice in another format, or its PDF",
)
def get_document(
    request: HttpRequest, invoice_id: str, params: Query[DocumentParams]
) -> HttpResponse:
    """``original`` is the archived file exactly as received or signed; asking for the format
    the original is in also returns the original (a signed document is never re-rendered)."""
    from efactura.api.documents import document_for

    company = require_scope(request, SEND, RECEIVE, STATUS)
    invoice = access_invoice_by_id(company=company, invoice_id=invoice_id)
    data, content_type, filename = document_for(
        invoice=invoice, fmt=params.format, language=params.language
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@api.post(
    "/invoices/{invoice_id}/status",
    response={200: InvoiceDetail, 403: Problem, 404: Problem, 422: Problem},
    tags=["invoices"],
    summary="Report a status: read, accepted, rejected, paid, collected, unpaid, their "
    "cancellations, or ask for or answer a cancellation",
)
def change_status(request: HttpRequest, invoice_id: str, body: StatusChange) -> dict[str, Any]:
    company = require_scope(request, STATUS)
    invoice = services.do_change_invoice_status(
        company=company,
        actor=acting_key(request),
        invoice_id=invoice_id,
        status=body.status,
        reason=body.reason,
        date=body.date,
        amount=body.amount,
        reason_code=body.reason_code,
        payment_id=body.payment_id,
    )
    acked = selectors.acknowledged_ids(company=company, invoice_ids=[invoice.pk])
    return invoice_detail(invoice, company=company, acknowledged=str(invoice.pk) in acked)


@api.post(
    "/invoices/{invoice_id}/ack",
    response={200: AckResult, 404: Problem},
    tags=["invoices"],
    summary="Acknowledge one received invoice",
)
def acknowledge_one(request: HttpRequest, invoice_id: str) -> Any:
    company = require_scope(request, RECEIVE)
    done, missing = services.do_acknowledge_invoices(
        company=company,
        invoice_ids=[invoice_id],
        api_key_id=acting_key(request).pk,
    )
    if missing:
        raise Invoice.DoesNotExist
    return {"acknowledged": done, "not_found": missing}


# -- Event feed -----------------------------------------------------------------------------


@api.get(
    "/events",
    response={200: EventList},
    tags=["events"],
    summary="Everything that happened to your invoices, in order, after a cursor",
)
def list_events(request: HttpRequest, params: Query[EventParams]) -> dict[str, Any]:
    company = require_scope(request, SEND, RECEIVE, STATUS)
    rows = selectors.list_visible_events(
        company=company, after=params.cursor, size=params.page_size + 1
    )
    items = rows[: params.page_size]
    next_cursor = items[-1].pk if items else params.cursor
    return {
        "items": [event_dict(e) for e in items],
        "next_cursor": str(next_cursor),
        "has_more": len(rows) > params.page_size,
    }


# -- Payment orders (the bank's confirmation callback) --------------------------------------


class PaymentConfirmation(Schema):
    date: dt.date | None = None
    """Day the transfers were executed (default: today)."""


class PaymentOrderState(Schema):
    id: str
    message_id: str
    state: str
    total: str
    invoices: list[str]


@api.post(
    "/payment-orders/{order_id}/confirm",
    response={200: PaymentOrderState, 404: Problem, 422: Problem},
    tags=["payments"],
    summary="The bank confirms a transfer order: its invoices are recorded as paid",
)
def confirm_payment_order(
    request: HttpRequest, order_id: str, body: PaymentConfirmation
) -> dict[str, Any]:
    from efactura.payments import selectors as payment_selectors
    from efactura.payments import services as payment_services
    from efactura.payments.models import PaymentOrder

    company = require_scope(request, STATUS)
    try:
        order = payment_selectors.access_payment_order_by_id(company=company, order_id=order_id)
    except (PaymentOrder.DoesNotExist, ValidationError, ValueError):
        raise Http404(_("No such payment order.")) from None
    order = payment_services.do_confirm_payment_order(
        order=order, company=company, actor=acting_key(request), date=body.date, source=Source.API
    )
    return {
        "id": str(order.pk),
        "message_id": order.message_id,
        "state": order.state,
        "total": str(order.total),
        "invoices": [item.invoice.full_number for item in order.items.select_related("invoice")],
    }
