"""The AS4 endpoint and the SMP (thin: parse the request, call one service, answer)."""

from __future__ import annotations

from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from efactura.interconnection import config, smp
from efactura.interconnection.choices import DOCUMENT_SCHEME, PARTICIPANT_SCHEME
from efactura.interconnection.services import _company_of, do_receive_as4

XML = "application/xml; charset=utf-8"


def _text(status: int, english: str, spanish: str) -> HttpResponse:
    return HttpResponse(
        f"{english}\n{spanish}\n", status=status, content_type="text/plain; charset=utf-8"
    )


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    """``POST /as4``: one AS4 user message in, one signal (receipt or error) out."""
    length = int(request.headers.get("Content-Length") or 0)
    if length > int(config.setting("MAX_MESSAGE_BYTES")):
        return _text(413, "The AS4 message is too large.", "El mensaje AS4 es demasiado grande.")
    content_type = request.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/related"):
        return _text(
            415,
            "An AS4 message is a multipart/related SOAP 1.2 message with attachments.",
            "Un mensaje AS4 es un mensaje SOAP 1.2 multipart/related con adjuntos.",
        )
    # Read the stream ourselves: an AS4 message may exceed DATA_UPLOAD_MAX_MEMORY_SIZE.
    limit = int(config.setting("MAX_MESSAGE_BYTES"))
    body = request.read(limit + 1)
    if len(body) > limit:
        return _text(413, "The AS4 message is too large.", "El mensaje AS4 es demasiado grande.")
    answer = do_receive_as4(content_type=content_type, body=body)
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    response["X-AS4-Outcome"] = answer.outcome
    return response


def _participant(text: str) -> str | None:
    scheme, sep, value = unquote(text).partition("::")
    if not sep or scheme.lower() != PARTICIPANT_SCHEME or not value:
        return None
    return value.upper() if _company_of(value) is not None else None


@require_GET
def service_group(request: HttpRequest, participant: str) -> HttpResponse:
    """``GET /smp/{scheme}::{participant}``: the participant's service group, or 404."""
    value = _participant(participant)
    if value is None:
        return _text(404, "Participant not served here.", "Participante no atendido aquí.")
    return HttpResponse(smp.service_group(participant=value), content_type=XML)


@require_GET
def service_metadata(request: HttpRequest, participant: str, document: str) -> HttpResponse:
    """``GET /smp/{participant}/services/{scheme}::{document type}``: signed metadata."""
    value = _participant(participant)
    scheme, sep, document_type = unquote(document).partition("::")
    if value is None or not sep or scheme != DOCUMENT_SCHEME:
        return _text(404, "Participant not served here.", "Participante no atendido aquí.")
    try:
        body = smp.signed_service_metadata(participant=value, document=document_type)
    except KeyError:
        return _text(404, "Document type not served here.", "Tipo de documento no atendido aquí.")
    return HttpResponse(body, content_type=XML)
