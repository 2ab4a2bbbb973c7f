"""Inbound federation endpoints (thin: read the request, call one service, sign the answer).

``POST /federation/v1/messages``              a document or status message from a peer;
``GET  /federation/v1/participants/<id>``     discovery: is this participant served here?

Both are for peers only (signed requests from known nodes); they need no session or CSRF
token, and answer JSON.  Refusals are plain JSON ``{"error", "message", "message_es"}`` with a
4xx status; receipts and discovery answers are signed by this node.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from efactura.federation import identity, protocol, services
from efactura.federation.transport import participant_path


def _refused(exc: services.MessageRefused) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def _signed(name: str, content: dict[str, object]) -> HttpResponse:
    signature = identity.sign(protocol.canonical_json(content))
    return HttpResponse(
        protocol.signed_body(name, content, signature), content_type="application/json"
    )


@csrf_exempt
@require_POST
def receive_message(request: HttpRequest) -> HttpResponse:
    limit = int(services.setting("MAX_MESSAGE_BYTES"))
    length = int(request.headers.get("Content-Length") or 0)
    if length > limit:
        return _refused(
            services.MessageRefused(
                413, "FED-SIZE", f"The document is {length:,} bytes; the limit is {limit:,} bytes."
            )
        )
    # read() instead of .body: documents may exceed DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
    payload = request.read(limit + 1)
    if len(payload) > limit:
        return _refused(
            services.MessageRefused(413, "FED-SIZE", f"The document exceeds {limit:,} bytes.")
        )
    try:
        received = services.do_receive_message(
            envelope_header=request.headers.get(protocol.ENVELOPE_HEADER, ""),
            signature=request.headers.get(protocol.SIGNATURE_HEADER, ""),
            payload=payload,
        )
    except services.MessageRefused as exc:
        return _refused(exc)
    response = _signed("receipt", received.receipt)
    if received.replayed:
        response["Efactura-Replayed"] = "true"
    return response


@require_GET
def participant(request: HttpRequest, participant_id: str) -> HttpResponse:
    try:
        services.authenticate_query(
            path=participant_path(participant_id),
            node=request.headers.get(protocol.NODE_HEADER, ""),
            time=request.headers.get(protocol.TIME_HEADER, ""),
            signature=request.headers.get(protocol.SIGNATURE_HEADER, ""),
        )
        answer = services.answer_participant_query(participant=participant_id)
    except services.MessageRefused as exc:
        return _refused(exc)
    return _signed("answer", answer)
