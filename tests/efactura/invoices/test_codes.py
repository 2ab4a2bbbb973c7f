"""The status code table: every SPFE message is produced by some event, and docs/statuses.md
holds exactly the module's table."""

from __future__ import annotations

from pathlib import Path

from efactura.invoices.choices import EventKind
from efactura.invoices.codes import EVENT_CODES, SPFE_CODES, codes_for, markdown_table, spfe_code

DOC = Path(__file__).resolve().parents[3] / "docs" / "statuses.md"


def test_docs_table_is_the_modules_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- codes-table:start -->\n") + len("<!-- codes-table:start -->\n")
    end = text.index("<!-- codes-table:end -->")
    assert text[start:end] == markdown_table(), "regenerate the table with markdown_table()"


def test_every_spfe_message_has_an_event_and_its_cancellation() -> None:
    produced = {codes.spfe for codes in EVENT_CODES.values() if codes.spfe}
    assert produced == set(SPFE_CODES)
    for code in SPFE_CODES:
        if not code.startswith("CANCEL"):
            assert "CANCEL" + code in produced
    assert spfe_code(EventKind.ACCEPTED) == "" and spfe_code("issued") == ""


def test_partial_payment_codes() -> None:
    assert codes_for(kind=EventKind.PAYMENT, paid_total=1, payable=2).peppol_reason == "PPD"
    assert codes_for(kind=EventKind.PAYMENT, paid_total=2, payable=2).face == "2500"
    assert codes_for(kind=EventKind.PAYMENT).peppol == "PD"
