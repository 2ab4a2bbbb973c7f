"""AS4 messages per the Peppol AS4 profile, built and read with :mod:`.wire`.

:mod:`.wire` implements the message format (ebMS 3.0 user message, WS-Security signature,
gzip compression, AES-128-GCM payload with RSA-OAEP key transport, the SBDH, signed receipts
with non-repudiation information and ebMS error signals).  What it leaves to its user,
efactura does here and around it: who is trusted (the CA trust list *and* a registered
partner, not revoked), duplicate elimination by MessageId, retries
(:mod:`efactura.interconnection.services`).
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography import x509

from efactura.interconnection import config, pki, wire
from efactura.interconnection.models import Partner

Outgoing = wire.Outgoing
Received = wire.Received
Signal = wire.Signal
ReceiptError = wire.ReceiptError


def _trusted_partner(party_id: str, certificate: x509.Certificate) -> x509.Certificate:
    """The signing certificate names the sending AP (its CN is the PartyId), chains to the
    trust list, is inside its validity period and not revoked (:mod:`.revocation`), and is
    a registered, active partner's (DESIGN: unknown partners are refused)."""
    if pki.common_name(certificate) != party_id:
        raise wire.UntrustedSigner(f"The signing certificate does not name {party_id!r}")
    try:
        pki.check_trusted(certificate)
    except pki.UntrustedSignerError as exc:
        raise wire.UntrustedSigner(str(exc)) from None
    if not Partner.objects.filter(
        fingerprint=pki.fingerprint(certificate), is_active=True
    ).exists():
        raise wire.UntrustedSigner(
            f"{certificate.subject.rfc4514_string()} is not a registered partner"
        )
    return certificate


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
    document = wire.sbd(
        payload,
        sender=sender,
        recipient=recipient,
        document_type=document_type,
        process=process,
        instance_id=instance_id,
        country=country,
    )
    return wire.build_message(
        signer=pki.identity(),
        receiver_certificate=receiver_certificate,
        message_id=message_id,
        document=document,
        sender=sender,
        recipient=recipient,
        document_type=document_type,
        process=process,
    )


def check_receipt(outgoing: Outgoing, answer: bytes) -> Signal:
    """Verify the signal answering ``outgoing``: signature of the expected AP, reference to
    our MessageId and non-repudiation of what we signed.  Raises :class:`ReceiptError`;
    returns the signal (``successful`` or with errors)."""
    return wire.check_signal(outgoing, answer)


def receive(
    *, content_type: str, body: bytes, accept_participant: Callable[[str], None]
) -> Received:
    """Unpack, verify, decrypt and decompress a received message (``error`` set when it is
    refused)."""
    return wire.receive(
        content_type,
        body,
        recipient_identity=pki.identity(),
        resolve_signer=_trusted_partner,
        accept_participant=accept_participant,
        maximum_size=int(config.setting("MAX_MESSAGE_BYTES")),
    )


def answer(received: Received) -> bytes:
    """The signed receipt of an accepted message, or the signed error of a refused one."""
    signer = pki.identity()
    if received.error is not None:
        return wire.error_signal(received.error, signer, ref_to=received.message_id)
    return wire.receipt(received, signer)


def refuse(received: Received, error: wire.AS4Error) -> bytes:
    """A signed error signal refusing ``received`` after it was unpacked."""
    return wire.error_signal(error, pki.identity(), ref_to=received.message_id)


def error_description(signal: Signal | Received) -> str:
    """``EBMS:0101 FailedAuthentication: detail`` of a refused message or a partner's errors."""
    if isinstance(signal, Received):
        return str(signal.error) if signal.error is not None else ""
    return signal.description
