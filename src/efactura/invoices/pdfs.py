"""The PDF of an invoice, rendered once when first needed and kept in the document store.

WeasyPrint costs about 0.3 s of CPU per invoice, so nothing renders a PDF when an invoice is
issued, imported or delivered: a PDF is made the first time someone downloads it (web, API)
or an email attaches it, and stored in the ``documents`` storage under a name derived from
everything that goes into it (the canonical invoice, the language and the rendering options
such as the status lines, the signature summary and the VERI*FACTU QR code).  The next
request with the same inputs reads the stored file; when an input changes (a new status line,
another language) the name changes, so a stale PDF is never served.  These files are a cache,
not the archive: they are not hash-chained and may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.files.base import ContentFile

from efactura.invoices.mapping import canonical_of
from efactura.invoices.models import Invoice
from efactura.invoices.storage import _storage

RENDERER_VERSION = "1"
"""Part of every cache name: bump it when the PDF layout changes, so old files are not reused."""


def cache_name(*, invoice: Invoice, language: str, options: dict[str, Any]) -> str:
    """Where the PDF for exactly these inputs is kept."""
    material = json.dumps(
        {
            "v": RENDERER_VERSION,
            "invoice": invoice.canonical,
            "language": language,
            "options": options,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    ).encode()
    digest = hashlib.sha256(material).hexdigest()
    return f"pdf/{digest[:2]}/{digest}.pdf"


def invoice_pdf(*, invoice: Invoice, language: str, **options: Any) -> bytes:
    """The invoice as PDF in ``language``; ``options`` go to ``einvoice.pdf.render_pdf``
    together with the invoice's VERI*FACTU QR code.  Rendered on the first call, then read
    from the document store."""
    from efactura.verifactu.selectors import pdf_options

    options = {**pdf_options(invoice), **options}
    name = cache_name(invoice=invoice, language=language, options=options)
    storage = _storage()
    try:
        with storage.open(name, "rb") as handle:
            cached: bytes = handle.read()
        if cached.startswith(b"%PDF"):
            return cached
        storage.delete(name)  # damaged: made again below
    except FileNotFoundError:
        pass
    from einvoice.pdf import render_pdf

    pdf = render_pdf(canonical_of(invoice), language=language, **options)
    if not storage.exists(name):  # two first requests at once: the second keeps the first
        storage.save(name, ContentFile(pdf))
    return pdf
