"""Spanish data EN 16931 has no business term for, carried in CII as structured notes.

EN 16931 (and so CII in its EN 16931 profile) knows only VAT.  A Spanish invoice may also
carry an IRPF (or other) withholding, the equivalence surcharge (*recargo de equivalencia*),
a Facturae series, DIR3 administrative centres and corrective-invoice data.  None of them has
an element that passes the official CEN rules:

* a second ``ApplicableTradeTax`` with a type code other than ``VAT`` is refused (CII-DT-037,
  BR-47), and adding the surcharge to a VAT row breaks BR-S-09 / BR-CO-17;
* a document-level allowance for the withholding would lower the VAT base (BT-109), which is
  legally wrong: IRPF is withheld from the total, it does not reduce the taxable amount.

So the renderer keeps every EN 16931 amount a pure VAT amount, makes the amount due (BT-115)
right by moving withholdings, guarantee retentions and surcharges into the paid amount
(BT-113, see ``docs/formats/cii.md``), and writes one invoice note (BG-1) per Spanish fact.
Each note reads as a sentence for a person and ends in a machine-readable tag::

    Retención IRPF 15 % sobre 1000.00 EUR: 150.00 EUR, descontada del importe a pagar /
    IRPF withholding, deducted from the amount due. {efactura:WH tax=04 rate=15 base=1000.00
    amount=150.00}

(shown wrapped here; the note is one line).

Values in the tag are percent-encoded, so they never contain spaces or braces.  Our parser
recognises the tag, removes the note from BG-1 and restores the canonical fields; any other
reader still sees a readable note.  A tag that does not decode cleanly is left as an
ordinary note (a stranger's note must never make an invoice unreadable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, unquote

TAG_PREFIX: Final = "efactura"
SUBJECT_TAX: Final = "TXD"
"""UNCL4451 "Tax declaration": subject of the notes that describe taxes."""
SUBJECT_INFO: Final = "AAI"
"""UNCL4451 "General information": subject of the other structured notes."""

_TAG = re.compile(r"\{" + TAG_PREFIX + r":([A-Z]+)((?: [a-z_]+=[^\s{}]*)*)\}\s*$")

# Kinds of structured note.
SERIES: Final = "SERIES"
WITHHOLDING: Final = "WH"
TAX: Final = "TAX"
LINE: Final = "LINE"
TOTALS: Final = "TOT"
CENTRE: Final = "CENTRE"
CORRECTION: Final = "COR"
PRECEDING: Final = "PREC"
LEGAL: Final = "LEGAL"
FACTURAE: Final = "DOC"
INSTALMENTS: Final = "INST"


@dataclass(frozen=True, slots=True)
class Tagged:
    """One decoded structured note."""

    kind: str
    fields: dict[str, str]


def encode(kind: str, human: str, fields: dict[str, str]) -> str:
    """Note text: ``human`` sentence followed by the machine tag of ``fields``.

    Empty values are left out (absent and empty mean the same in the model).
    """
    machine = "".join(f" {key}={quote(value, safe='')}" for key, value in fields.items() if value)
    tag = f"{{{TAG_PREFIX}:{kind}{machine}}}"
    return f"{human} {tag}" if human else tag


def decode(text: str) -> Tagged | None:
    """The structured note in ``text``, or ``None`` when it is an ordinary note."""
    match = _TAG.search(text)
    if match is None:
        return None
    fields: dict[str, str] = {}
    for pair in match.group(2).split():
        key, _, value = pair.partition("=")
        fields[key] = unquote(value)
    return Tagged(kind=match.group(1), fields=fields)


def join_list(items: list[list[str]]) -> str:
    """Encode a small table (list of rows of strings) into one field value."""
    return ";".join("/".join(quote(cell, safe="") for cell in row) for row in items)


def split_list(value: str) -> list[list[str]]:
    """Inverse of :func:`join_list`."""
    if not value:
        return []
    return [[unquote(cell) for cell in row.split("/")] for row in value.split(";")]
