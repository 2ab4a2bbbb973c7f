"""The fast segment path gives exactly pydifact's segments, on every sample and odd input."""

from __future__ import annotations

import dataclasses
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from tests.corpus import CORPUS

from einvoice.formats import edifact
from einvoice.formats.edifact import _tokens, reader
from einvoice.totals import compute

SAMPLES = sorted(
    [p for p in (CORPUS / "edifact").rglob("*") if p.is_file() and p.suffix.lower() != ".md"]
    + list((Path(__file__).parent / "edifact_samples").glob("*.edi"))
)


def _both(text: str) -> tuple[object, object]:
    def run(parse: object) -> object:
        try:
            return [(s.tag, s.elements) for s in parse()]  # type: ignore[operator]
        except (EDISyntaxError, ValueError, IndexError, AssertionError) as exc:
            return type(exc).__name__

    def slow() -> list[object]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return list(Parser(factory=reader._PlainSegments()).parse(text))

    return run(slow), run(lambda: _tokens.parse(text, reader._PlainSegments()))


def test_the_samples_are_there() -> None:
    assert len(SAMPLES) >= 10


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_same_segments_as_pydifact_on_every_sample(path: Path) -> None:
    text, _ = reader._cut_packages(reader.decode(path.read_bytes()).strip(), "")
    slow, fast = _both(text)
    assert fast == slow


@pytest.mark.parametrize(
    "text",
    [
        "UNA:+.? 'UNB+UNOC:3+A+B'UNH+1+INVOIC:D:96A:UN:EAN008'UNT+2+1'",
        "UNB+UNOC:3+A+B'\r\nNAD+SE+::9++Caf?'e ?+ Bar?: uno??dos'\nUNT+2+1'",
        "UNA:+.? 'UNB+UNOC:3'FTX+AAI+++a:b::c:::+:x+::'",
        "UNA*~,# |UNB~UNOC*3|FTX~AAI~~~a#|b#*c*~d|",
        "UNB+UNOC:3+A'FTX+AAI+++text without end",
        "UNB+UNOC:3'FTX+AAI''UNT+1'",
        "UNB+UNOC:3+A'junk'UNA:+.? 'UNB+UNOC:3+B'",
        "UNB+UNOC:3'FTX+AAI+++a?\nb'",
        "UNB+UNOC:3'NA:D+X'",
        "UNB+UNOC:3'FTX+AAI+++\U000f0041'",
        "UNA:+.? 'UNB+UNOC:3'UNA+X'",
    ],
)
def test_same_segments_as_pydifact_on_odd_input(text: str) -> None:
    slow, fast = _both(text)
    assert fast == slow


def test_a_big_interchange_reads_back_line_for_line() -> None:
    data = (CORPUS / "edifact/en16931/examples/EDIFACT_EXAMPLE1.TXT").read_bytes()
    invoice = edifact.parse_bytes(data).invoices[0]
    lines = tuple(
        dataclasses.replace(
            invoice.lines[i % len(invoice.lines)],
            id=str(i + 1),
            name=f"Artículo ?+:' {i}",
            quantity=Decimal(1),
            net_amount=invoice.lines[i % len(invoice.lines)].net_price,
        )
        for i in range(2500)
    )
    big = compute(dataclasses.replace(invoice, lines=lines, allowances_charges=()))
    data = edifact.render([big], version="D16B")
    assert len(data) > 250_000
    (back,) = edifact.parse_bytes(data).invoices
    assert [ln.name for ln in back.lines] == [ln.name for ln in lines]
    assert back.totals.line_net_total == big.totals.line_net_total
