"""The VERI*FACTU QR code: the AEAT's verification URL and its image.

The URL carries exactly four parameters — ``nif``, ``numserie``, ``fecha`` (DD-MM-AAAA) and
``importe`` (point as decimal separator) — URL-encoded as UTF-8 (AEAT, *Detalle de las
especificaciones técnicas del código QR*, v0.4.7, §4–6).  The code uses error-correction
level M (ISO/IEC 18004:2015) and is printed 30–40 mm wide with a quiet zone of at least 2 mm,
under the text "QR tributario:" (Orden HAC/1177/2024 art. 21).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import urlencode

import segno

from einvoice.verifactu.records import amount, date_text

TEST_HOST = "https://prewww2.aeat.es"
PRODUCTION_HOST = "https://www2.agenciatributaria.gob.es"
VERIFACTU_PATH = "/wlpl/TIKE-CONT/ValidarQR"
NO_VERIFACTU_PATH = "/wlpl/TIKE-CONT/ValidarQRNoVerifactu"
LEGEND_VERIFACTU = "VERI*FACTU"
LEGEND_LONG = "Factura verificable en la sede electrónica de la AEAT"
LABEL = "QR tributario:"
SIZE_MM = 35
"""Printed size: the order allows 30×30 to 40×40 mm."""


def qr_url(
    *,
    nif: str,
    number: str,
    issue_date: dt.date,
    total: Decimal | str,
    verifactu: bool = True,
    production: bool = False,
) -> str:
    """The AEAT's verification URL for an invoice, exactly as it goes into the QR code.

    ``total`` is the record's ``ImporteTotal``; pass the record's text to reproduce it
    literally (the AEAT's examples print ``241.4``)."""
    host = PRODUCTION_HOST if production else TEST_HOST
    path = VERIFACTU_PATH if verifactu else NO_VERIFACTU_PATH
    query = urlencode(
        {
            "nif": nif,
            "numserie": number,
            "fecha": date_text(issue_date),
            "importe": total if isinstance(total, str) else amount(total),
        }
    )
    return f"{host}{path}?{query}"


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as a standalone SVG sized in millimetres (error level M, a
    quiet zone of 4 modules, which at this size is well over the 2 mm the order asks)."""
    code = segno.make(url, error="m", micro=False, boost_error=False)
    modules = code.symbol_size(scale=1, border=4)[0]
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        scale=SIZE_MM / modules,
        border=4,
        unit="mm",
        xmldecl=False,
        svgns=True,
    )
    return buffer.getvalue().decode("utf-8")


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The QR code of ``url`` as PNG bytes (for screens and for decoding in tests)."""
    code = segno.make(url, error="m", micro=False, boost_error=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
