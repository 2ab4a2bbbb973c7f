"""The library against the bare libraries doing the same work (``bench.py --only ratio``).

Each pair calls efactura's public function and a minimal program written directly against
lxml, saxonche and python-xmlsec, alternately, on the same document:

* **full validation** — efactura: ``einvoice.validation.validate(bytes)`` (hardened parse,
  detection, XSD, mapping to the model, official rules, Spanish rules).  Bare: lxml parses
  the bytes and validates them against the same XSD, Saxon parses the text and runs the same
  compiled official stylesheets and one XPath pulls out the failed asserts.  For Facturae the
  official rules run on the invoice's UBL form, which bare libraries cannot produce: the bare
  side gets that text ready-made, so the conversion is part of the library's cost.  The
  bare side compiles the official stylesheets as published; efactura compiles them lean
  (``einvoice.rules.official.lean_stylesheet``: no fired-rule and active-pattern output, no
  attribute walks no rule needs; the same findings, proven over the corpus), which a bare
  program could do too: that is part of efactura's speed, and the table says so.
* **XAdES sign + verify** — efactura: ``einvoice.signing.sign`` then ``verify`` on the
  signed bytes.  Bare: lxml parses the invoice, a prepared XAdES template (filled with the
  signing time and fresh ids) is appended, python-xmlsec signs with a key loaded once, the
  result is serialised, parsed again and verified with the certificate read from its KeyInfo.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

import xmlsec
from bench import Case, Pair
from cryptography.hazmat.primitives import serialization
from lxml import etree
from tests.corpus import CORPUS

from einvoice import formats
from einvoice.formats.base import load_schema
from einvoice.rules import official
from einvoice.signing import certs, sign, verify
from einvoice.signing.xades import build_signature
from einvoice.validation import validate

FACTURAE = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml"
UBL = CORPUS / "peppol/samples/base-example.xml"
CII = CORPUS / "cii/samples/en16931/CII_example1.xml"

_FAILED = (
    "//svrl:failed-assert ! (string(@id), string(@flag), string(@location), "
    "normalize-space(string-join(svrl:text//text(), ' ')))"
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class _Saxon:
    """One Saxon processor with the official stylesheets compiled once (bare use)."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor

        self.processor: Any = PySaxonProcessor(license=False)
        self.xpath: Any = self.processor.new_xpath_processor()
        self.xpath.declare_namespace("svrl", "http://purl.oclc.org/dsdl/svrl")
        self.compiled: dict[str, Any] = {}

    def executable(self, key: str) -> Any:
        if key not in self.compiled:
            text = official._stylesheet_text(official.ARTEFACTS[key].filename)
            compiler = self.processor.new_xslt30_processor()
            self.compiled[key] = compiler.compile_stylesheet(stylesheet_text=text)
        return self.compiled[key]

    def run(self, text: str, keys: tuple[str, ...]) -> list[str]:
        document = self.processor.parse_xml(xml_text=text)
        out: list[str] = []
        for key in keys:
            result = self.executable(key).transform_to_value(xdm_node=document)
            self.xpath.set_context(xdm_item=result.head)
            found = self.xpath.evaluate(_FAILED)
            if found is not None:
                out.extend(found.item_at(i).string_value for i in range(found.size))
        return out


def _schema_of(name: str) -> etree.XMLSchema:
    """The vendored XSD of each sample's format (loaded once, as efactura does)."""
    from einvoice.formats import cii, facturae
    from einvoice.formats.ubl._common import SCHEMA_FILES

    if name == "facturae":
        return facturae._schema("3.2.2")
    if name == "cii":
        return load_schema(cii._SCHEMAS["D16B"])
    return load_schema(SCHEMA_FILES["Invoice"])


def _validation_pairs() -> list[Pair]:
    saxon = _Saxon()
    out: list[Pair] = []
    for name, path, keys in (
        ("facturae", FACTURAE, ("cen-ubl",)),
        ("ubl", UBL, ("cen-ubl", "peppol-ubl")),
        ("cii", CII, ("cen-cii",)),
    ):
        data = path.read_bytes()
        schema = _schema_of(name)
        rendered: str | None = None
        if name == "facturae":
            invoice = formats.parse(data).invoices[0]
            rendered = formats.render("ubl", [invoice]).decode("utf-8")

        def bare(
            data: bytes = data,
            schema: etree.XMLSchema = schema,
            keys: tuple[str, ...] = keys,
            rendered: str | None = rendered,
        ) -> object:
            tree = etree.fromstring(data, _parser()).getroottree()
            if not schema.validate(tree):
                raise AssertionError("sample is not schema-valid")
            text = rendered if rendered is not None else etree.tostring(tree, encoding="unicode")
            if rendered is not None and text.startswith("<?xml"):
                text = text.split("?>", 1)[1]
            return saxon.run(text, keys)

        def library(data: bytes = data) -> object:
            report = validate(data)
            assert report.official
            return report

        out.append(Pair("ratio", f"full validation {name}", library, bare, "lxml + saxonche"))
    return out


_TEMPLATE_IDENT = "Signature-00000000-0000-0000-0000-000000000000"


def _signing_pair() -> Pair:
    sample = FACTURAE.read_bytes()
    draft = formats.parse(sample).invoices[0]
    from einvoice import totals

    xml = formats.render("facturae", [totals.compute(draft)])
    key, cert = certs.make_test_certificate("EMPRESA EJEMPLO SA", "B28015865")
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    xmlsec_key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    # The same XAdES-EPES template, serialised once; each signature fills in fresh ids.
    template = etree.tostring(
        build_signature(
            certificate=cert,
            chain=(),
            signing_time=moment,
            role="emisor",
            digest="sha256",
            ident=_TEMPLATE_IDENT,
        ),
        encoding="unicode",
    )
    ds = "{http://www.w3.org/2000/09/xmldsig#}"

    def bare() -> object:
        tree = etree.fromstring(xml, _parser()).getroottree()
        root = tree.getroot()
        ident = f"Signature-{uuid.uuid4()}"
        signature = etree.fromstring(template.replace(_TEMPLATE_IDENT, ident))
        root.append(signature)
        xmlsec.tree.add_ids(root, ["Id"])
        ctx = xmlsec.SignatureContext()
        ctx.key = xmlsec_key
        ctx.sign(signature)
        signed = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
        # Verify: parse the bytes, take the certificate from KeyInfo, check with xmlsec.
        check = etree.fromstring(signed, _parser())
        found = check.find(f"{ds}Signature")
        assert found is not None
        der = base64.b64decode(found.findtext(f"{ds}KeyInfo/{ds}X509Data/{ds}X509Certificate"))
        verifier = xmlsec.SignatureContext()
        verifier.key = xmlsec.Key.from_memory(der, xmlsec.constants.KeyDataFormatCertDer)
        xmlsec.tree.add_ids(check, ["Id"])
        verifier.verify(found)
        return signed

    def library() -> object:
        signed = sign(xml, key=key, certificate=cert, signing_time=moment)
        report = verify(signed)
        assert report.is_valid
        return report

    return Pair("ratio", "XAdES sign + verify (Facturae)", library, bare, "python-xmlsec")


def pairs() -> list[Pair]:
    return [*_validation_pairs(), _signing_pair()]


def cases() -> list[Case]:
    return []
