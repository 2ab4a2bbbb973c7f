"""Constants of the interconnection app: Peppol identifiers, message kinds, defaults.

Identifier values are those of the Peppol code lists (eDEC code lists v9.7): document types
in the ``busdox-docid-qns`` scheme, processes in ``cenbii-procid-ubl``, participants in
``iso6523-actorid-upis``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCUMENT_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
TRANSPORT_PROFILE = "peppol-transport-as4-v2_0"
"""SMP transport profile of Peppol AS4 (the only one efactura publishes or uses)."""

INVOICE_UBL = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
"""Peppol BIS Billing 3.0 invoice (UBL 2.1)."""
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

INVOICE_FACTURAE = (
    "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml::Facturae##"
    "urn:facturae.gob.es:3.2.2::3.2.2"
)
"""Facturae 3.2.2, signed, between Spanish platforms that both publish it in their SMP.

Not a Peppol code list entry: a bilateral document type efactura publishes next to BIS
Billing, so a Spanish partner that agrees to Facturae receives the signed original unchanged.
"""

INVOICE_RESPONSE = (
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##"
    "urn:fdc:peppol.eu:poacc:trns:invoice_response:3::2.1"
)
INVOICE_RESPONSE_PROCESS = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"

MLS = (
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##"
    "urn:peppol:edec:mls:1.0::2.1"
)
MLS_PROCESS = "urn:peppol:edec:mls"

PING_DOCUMENT = INVOICE_UBL
PING_PROCESS = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/test"
"""The Peppol AS4 connectivity test: service ``.../200704/test`` (ebMS 3.0, 5.2.2)."""

PUBLISHED_DOCUMENTS: tuple[tuple[str, str], ...] = (
    (INVOICE_UBL, BILLING_PROCESS),
    (INVOICE_FACTURAE, BILLING_PROCESS),
    (INVOICE_RESPONSE, INVOICE_RESPONSE_PROCESS),
    (MLS, MLS_PROCESS),
)
"""(document type, process) pairs this platform's SMP publishes for every company it serves."""

SMP_NS = "http://busdox.org/serviceMetadata/publishing/1.0/"
IDS_NS = "http://busdox.org/transport/identifiers/1.0/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"

MAX_ATTEMPTS = 8
"""Sending attempts before an outbound message fails visibly (``EFACTURA_AS4_MAX_ATTEMPTS``)."""
RETRY_BASE_SECONDS = 30.0
"""First retry delay; doubled each attempt, capped at one hour (``EFACTURA_AS4_RETRY_SECONDS``)."""
DISCOVERY_TTL_SECONDS = 3600.0
"""How long an SMP answer is reused (``EFACTURA_AS4_DISCOVERY_TTL``)."""
HTTP_TIMEOUT_SECONDS = 30.0
REVOCATION = "soft"
"""Revocation checks of partners' certificates: ``soft``, ``hard`` or ``off``
(``EFACTURA_AS4_REVOCATION``)."""
REVOCATION_TTL_SECONDS = 3600.0
"""How long an OCSP answer or a CRL is reused at most (``EFACTURA_AS4_REVOCATION_TTL``)."""
SEND_THREADS = 4
"""Messages a sending task sends at the same time (``EFACTURA_AS4_SEND_THREADS``)."""
IMPORT_THREADS = 2
"""Threads of a web server process that run the inbound pipeline for AS4 invoices
(``EFACTURA_AS4_IMPORT_THREADS``)."""
MAX_MESSAGE_BYTES = 50 * 1024 * 1024
"""Largest AS4 request accepted (a MIME message with one compressed, encrypted payload)."""


class MessageKind(models.TextChoices):
    """What an AS4 message carries."""

    INVOICE = "invoice", _("Invoice")
    RESPONSE = "response", _("Invoice Response")
    MLS = "mls", _("Message Level Status")
    PING = "ping", _("Connectivity test")


class OutboundStatus(models.TextChoices):
    """Where an outbound AS4 message stands."""

    PENDING = "pending", _("Waiting to be sent")
    RETRYING = "retrying", _("Retrying")
    DELIVERED = "delivered", _("Delivered (signed receipt)")
    FAILED = "failed", _("Failed")
    UNROUTABLE = "unroutable", _("No platform serves the recipient")
