"""AS4 messages per the Peppol AS4 profile, built and read with the ``as4`` package.

``as4`` (Apache-2.0) implements the message format: ebMS 3.0 user message, WS-Security
signature (RSA-SHA256, BinarySecurityToken), gzip compression, AES-128-GCM payload with
RSA-OAEP key transport, the SBDH, signed receipts with non-repudiation information and ebMS
error signals.  What it leaves to its user, efactura does around it: who is trusted (the CA
trust list *and* a registered partner), duplicate elimination by MessageId, retries
(:mod:`efactura.interconnection.services`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from as4 import UntrustedSignerError
from as4.core.context import SecurityPolicy
from as4.core.references import AS4References
from as4.core.trust import certificate_chain
from as4.models.ebms.user_message import PartyFrom
from as4.peppol import (
    BusdoxDocidQnsDocumentIdentifier,
    PeppolAS4MessageBuilderArgs,
    PeppolAS4Profile,
    PeppolReceivingExchange,
    PeppolSendingExchange,
)
from as4.profiles.peppol.profile import certificate_names_the_sender
from as4.utils.mime_handler import MIMEHandler
from cryptography import x509

from efactura.interconnection import pki
from efactura.interconnection.models import Partner

# The ``as4`` package asks importlib.metadata for its own version to build the User-Agent of
# every message it builds (about a tenth of a message's building time in a profile): ask once.
_USER_AGENT = MIMEHandler.self_user_agent()
MIMEHandler.self_user_agent = classmethod(lambda cls: _USER_AGENT)


def _known_partner(resolver: Any) -> Any:
    """Only a registered, active partner's certificate is accepted (DESIGN: unknown partners
    are refused), on top of the chain to the trust list, and only while its CA does not say it
    is revoked (:mod:`.revocation`)."""

    def resolve(party_from: PartyFrom, embedded: x509.Certificate | None) -> x509.Certificate:
        certificate = resolver(party_from, embedded)
        if not Partner.objects.filter(
            fingerprint=pki.fingerprint(certificate), is_active=True
        ).exists():
            raise UntrustedSignerError(
                f"{certificate.subject.rfc4514_string()} is not a registered partner"
            )
        pki.check_not_revoked(certificate)
        return certificate

    return resolve


def security_policy() -> SecurityPolicy:
    anchors, intermediates = pki.trust_anchors()
    return SecurityPolicy(
        signer_resolver=_known_partner(
            certificate_names_the_sender(
                certificate_chain(*anchors, intermediates=intermediates, maximum_depth=3)
            )
        )
    )


@dataclass
class Outgoing:
    """A built AS4 message, ready to POST, and the exchange that checks its receipt."""

    headers: dict[str, str]
    body: bytes
    exchange: Any


def build(
    *,
    payload: bytes,
    message_id: str,
    sender: str,
    recipient: str,
    document_type: str,
    process: str,
    instance_id: str,
    receiver_certificate: x509.Certificate,
    country: str = "ES",
) -> Outgoing:
    """Wrap ``payload`` in an SBDH, compress, sign and encrypt it for the receiving AP."""
    exchange = PeppolSendingExchange(
        profile=PeppolAS4Profile,
        local_party=pki.local_party(),
        remote_party=pki.external_party(receiver_certificate),
        identifiers=AS4References(message_id=message_id),
    )
    arguments = PeppolAS4MessageBuilderArgs(
        sender=sender,
        recipient=recipient,
        document_type_identifier=BusdoxDocidQnsDocumentIdentifier.from_identifier_value(
            document_type
        ),
        document_identification_instance_identifier=instance_id,
        process_identifier=process,
        c1_country_id=country,
    )
    headers, body = exchange.build(payload, arguments)
    return Outgoing(headers=headers, body=body, exchange=exchange)


def check_receipt(outgoing: Outgoing, answer: bytes) -> Any:
    """Verify the signal answering ``outgoing``: signature of the expected AP, reference to
    our MessageId and non-repudiation of what we signed.  Raises
    ``as4.ReceiptVerificationError``; returns the exchange (``successful`` or with errors)."""
    outgoing.exchange.receive_signal(answer)
    return outgoing.exchange


def receive(
    *, headers: dict[str, str], body: bytes, accept_participant: Any
) -> PeppolReceivingExchange:
    """Parse, verify, decrypt and decompress a received message; the exchange carries either
    the message and a signed receipt, or a parse error and its ebMS error signal."""
    exchange = PeppolReceivingExchange(profile=PeppolAS4Profile, local_party=pki.local_party())
    return exchange.receive(
        request_headers=headers,
        request_body=body,
        accept_participant=accept_participant,
        security_policy=security_policy(),
    )


def error_description(exchange: Any) -> str:
    """``EBMS:0101 FailedAuthentication: detail`` of a rejected exchange or signal."""
    error = exchange.error if exchange.receipt is not None else None
    if error is None and getattr(exchange, "message", None) is not None:
        parse_error = exchange.message.parse_error
        if parse_error is not None:
            return f"{parse_error.error_code} {parse_error.short_description}: {parse_error.detail}"
    if error is None:
        return ""
    detail = getattr(error.error_detail, "value", "") if error.error_detail is not None else ""
    return f"{error.error_code} {error.short_description or ''}: {detail or ''}".strip(" :")
