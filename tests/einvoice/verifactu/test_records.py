"""VERI*FACTU records: fingerprints against the AEAT's worked examples, XML against the official
XSD, the independent checker (verifactu-lint), and QR codes read back with a real decoder."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from tests.corpus import CORPUS

from einvoice.verifactu import qr, soap
from einvoice.verifactu.records import (
    NS_SUM,
    NS_SUM1,
    Cancellation,
    ChainLink,
    Party,
    Registration,
    Software,
    TaxLine,
    Taxpayer,
    fingerprint,
    hash_pairs_of,
    message,
)
from einvoice.xml import safe_parser, to_bytes

LINT = str(Path(sys.executable).with_name("verifactu-lint"))
"""The independent checker (PyPI verifactu-lint, a development dependency) in this environment."""

PACK = CORPUS / "verifactu"
VECTORS = json.loads((PACK / "examples" / "huella-vectors.json").read_text(encoding="utf-8"))
CET = dt.timezone(dt.timedelta(hours=1))
SOFTWARE = Software(producer_name="PRODUCTOR DE PRUEBAS SL", producer_nif="89890001K")


def _pairs(vector: dict[str, str]) -> list[tuple[str, str]]:
    """Split a vector's input string on its known field names (values may contain '&')."""
    kind = vector["record_type"].split()[0]
    names = VECTORS["field_order"][kind]
    text = vector["input_string"]
    pairs = []
    for position, name in enumerate(names):
        assert text.startswith(f"{name}=")
        text = text[len(name) + 1 :]
        if position + 1 < len(names):
            end = text.index(f"&{names[position + 1]}=")
            pairs.append((name, text[:end]))
            text = text[end + 1 :]
        else:
            pairs.append((name, text))
    return pairs


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["id"])
def test_fingerprint_matches_every_published_vector(vector: dict[str, str]) -> None:
    assert fingerprint(_pairs(vector)) == vector["expected_huella"]


def _aeat_case(number: str, seconds: int, previous: ChainLink | None) -> Registration:
    """The records of the AEAT hash document §6 (cases 1 and 2), built with our types."""
    return Registration(
        issuer_nif="89890001K",
        issuer_name="EMPRESA DE PRUEBAS SL",
        number=number,
        issue_date=dt.date(2024, 1, 1),
        invoice_type="F1",
        description="Venta de prueba",
        recipients=(Party(name="CLIENTE DE PRUEBAS SL", nif="89890002E"),),
        lines=(
            TaxLine(base=Decimal("46.51"), tax=Decimal("9.77"), rate=Decimal("21")),
            TaxLine(base=Decimal("64.59"), tax=Decimal("2.58"), rate=Decimal("4")),
        ),
        tax_total=Decimal("12.35"),
        total=Decimal("123.45"),
        generated_at=dt.datetime(2024, 1, 1, 19, 20, seconds, tzinfo=CET),
        software=SOFTWARE,
        previous=previous,
    )


def _aeat_chain() -> list[Registration | Cancellation]:
    first = _aeat_case("12345678/G33", 30, None)
    second = _aeat_case(
        "12345679/G34",
        35,
        ChainLink(
            issuer_nif="89890001K",
            number=first.number,
            issue_date=first.issue_date,
            fingerprint=first.fingerprint,
        ),
    )
    third = Cancellation(
        issuer_nif="89890001K",
        number="12345679/G34",
        issue_date=dt.date(2024, 1, 1),
        generated_at=dt.datetime(2024, 1, 1, 19, 20, 40, tzinfo=CET),
        software=SOFTWARE,
        previous=ChainLink(
            issuer_nif="89890001K",
            number=second.number,
            issue_date=second.issue_date,
            fingerprint=second.fingerprint,
        ),
    )
    return [first, second, third]


def test_records_built_here_reproduce_the_aeat_worked_examples() -> None:
    expected = [v["expected_huella"] for v in VECTORS["vectors"][:3]]
    assert [r.fingerprint for r in _aeat_chain()] == expected


def test_the_message_validates_against_the_official_xsd_and_survives_reparsing() -> None:
    root = message(
        Taxpayer(nif="89890001K", name="EMPRESA DE PRUEBAS SL"),
        [r.to_element() for r in _aeat_chain()],
    )
    assert soap.schema_errors(root) == []
    reparsed = etree.fromstring(to_bytes(root))
    holders = reparsed.findall(f"{{{NS_SUM}}}RegistroFactura")
    assert len(holders) == 3
    for holder in holders:
        record = holder[0]
        huella = record.findtext(f"{{{NS_SUM1}}}Huella")
        assert fingerprint(hash_pairs_of(record)) == huella


def test_the_official_schema_refuses_a_broken_record() -> None:
    root = message(Taxpayer(nif="89890001K", name="X"), [_aeat_chain()[0].to_element()])
    record = root.find(f".//{{{NS_SUM1}}}RegistroAlta")
    assert record is not None
    record.remove(record.find(f"{{{NS_SUM1}}}TipoFactura"))
    errors = soap.schema_errors(root)
    assert errors and "TipoFactura" in errors[0]


def test_the_aeat_signed_example_record_recomputes_to_its_published_huella() -> None:
    tree = etree.parse(
        str(PACK / "examples" / "aeat-spec" / "firma-8.1-ejemploRegistro-sin-firmar.xml"),
        safe_parser(),
    )
    record = tree.getroot()
    if etree.QName(record).localname != "RegistroAlta":
        record = record.find(f".//{{{NS_SUM1}}}RegistroAlta")
    assert record is not None
    assert fingerprint(hash_pairs_of(record)) == record.findtext(f"{{{NS_SUM1}}}Huella")


def test_the_official_corpus_examples_validate_with_our_vendored_schemas() -> None:
    data = (PACK / "examples" / "handbuilt" / "regfactu-aeat-vectors.xml").read_bytes()
    root = etree.fromstring(data, safe_parser())
    assert soap.schema_errors(root) == []


def test_the_independent_checker_finds_nothing_in_records_made_here(tmp_path: Path) -> None:
    root = message(
        Taxpayer(nif="89890001K", name="EMPRESA DE PRUEBAS SL"),
        [r.to_element() for r in _aeat_chain()],
    )
    path = tmp_path / "records.xml"
    path.write_bytes(to_bytes(root))
    result = subprocess.run([LINT, "--formato", "json", str(path)], capture_output=True, text=True)
    report = json.loads(result.stdout)
    assert result.returncode == 0, report["hallazgos"]
    assert report["registros_analizados"] == 3 and report["resumen"]["errores"] == 0


def test_the_qr_url_is_the_aeat_example_exactly() -> None:
    examples = json.loads((PACK / "examples" / "qr-spec.json").read_text(encoding="utf-8"))
    expected = examples["examples"][0]["url"]
    url = qr.qr_url(
        nif="89890001K", number="12345678&G33", issue_date=dt.date(2024, 1, 1), total="241.4"
    )
    assert url == expected
    production = qr.qr_url(
        nif="89890001K",
        number="12345678-G33",
        issue_date=dt.date(2024, 9, 1),
        total=Decimal("241.40"),
        production=True,
        verifactu=False,
    )
    assert production == (
        "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQRNoVerifactu"
        "?nif=89890001K&numserie=12345678-G33&fecha=01-09-2024&importe=241.40"
    )


def zbar(image: Path) -> list[str]:
    """What Debian's zbarimg reads in ``image`` (one text per symbol)."""
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
def test_the_qr_code_decodes_to_exactly_the_url(tmp_path: Path) -> None:
    url = qr.qr_url(
        nif="89890001K", number="FAC 2026/0001&B", issue_date=dt.date(2026, 12, 3), total="1210.00"
    )
    image = tmp_path / "qr.png"
    image.write_bytes(qr.qr_png(url))
    assert zbar(image) == [url]


def test_the_qr_svg_is_printed_at_35_mm_with_error_level_m() -> None:
    svg = qr.qr_svg("https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=89890001K")
    assert 'width="35.0mm"' in svg and 'height="35.0mm"' in svg
    import segno

    assert segno.make("x", error="m", boost_error=False).error == "M"


def test_event_fingerprints_match_the_published_event_vectors() -> None:
    from einvoice.verifactu.events import Event, PreviousEvent

    soft = Software(
        producer_name="X",
        producer_nif="89890001K",
        system_id="77",
        version="1.0.03",
        installation="383",
    )
    first = Event(
        software=soft,
        taxpayer_nif="A28083806",
        taxpayer_name="Y",
        event_type="01",
        generated_at=dt.datetime(2024, 11, 20, 19, 0, 55, tzinfo=CET),
    )
    second = Event(
        software=soft,
        taxpayer_nif="A28083806",
        taxpayer_name="Y",
        event_type="01",
        generated_at=dt.datetime(2024, 11, 21, 10, 0, 55, tzinfo=CET),
        previous=PreviousEvent(
            event_type="01",
            generated_at="2024-11-20T19:00:55+01:00",
            fingerprint=first.fingerprint,
        ),
    )
    published = {v["id"]: v["expected_huella"] for v in VECTORS["vectors"]}
    assert first.fingerprint == published["gobl-evento-first-nif"]
    assert second.fingerprint == published["gobl-evento-chained"]
