"""``efactura convert --to FORMAT --out-dir DIR FILE...``: convert invoices between formats.

Each input is read through the hardened pipeline (structure only: XML, format, schema,
parse); each of its invoices is written to its own file in ``DIR``, named after the input:
``<stem>.<format>.xml``, or ``<stem>-<n>.<format>.xml`` (n from 1) for a Facturae batch.
When the source lacks data the target requires (e.g. a UBL invoice without the Spanish
tax IDs Facturae needs), the invoice is not written and the missing business terms are
named.  The rendered file goes through the target's whole validation pipeline before it is
written (XSD, the official CEN EN 16931 and Peppol BIS 3 rules that apply to it, the Spanish
rules): a file that its own ``efactura validate`` would reject is not written, and the rule
ids are printed; ``--force`` writes it anyway with a warning naming them.  Files are
written atomically, so a file in ``DIR`` is always complete.  A signature of the source is
not carried over (a converted document is a new document).  Exit status 0 only when every
invoice of every file was converted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from einvoice import formats
from einvoice.commands.validate import default_language
from einvoice.errors import EInvoiceError, Layer, Violation
from einvoice.formats import facturx
from einvoice.model import Invoice
from einvoice.validation import DEFAULT_MAX_BYTES, validate
from einvoice.xml import parse_bytes

TARGETS = ("facturae", "ubl", "cii", "edifact", "facturx")
"""Registry formats, plus ``facturx``: a Factur-X PDF/A-3 carrying the CII rendering."""

_EXTENSIONS = {"edifact": ".edi", "facturx": ".pdf"}

_TEXT = {
    "en": {
        "written": "{src}: invoice {number} -> {dest}",
        "failed": "{src}: invoice {number} NOT converted to {fmt}:",
        "rejected": "{src}: invoice {number} NOT written: the {fmt} output fails the official "
        "rules {rules} (use --force to write it anyway):",
        "forced": "{src}: WARNING: invoice {number} written although the {fmt} output fails "
        "the official rules {rules}:",
        "unusable": "{src}: not converted, the file is not a valid invoice:",
        "unsigned": "{src}: note: the source signature is not carried over to the new file.",
        "summary": "{ok} invoice(s) converted, {bad} failed.",
    },
    "es": {
        "written": "{src}: factura {number} -> {dest}",
        "failed": "{src}: factura {number} NO convertida a {fmt}:",
        "rejected": "{src}: factura {number} NO escrita: el resultado {fmt} incumple las reglas "
        "oficiales {rules} (use --force para escribirlo de todos modos):",
        "forced": "{src}: AVISO: factura {number} escrita aunque el resultado {fmt} incumple "
        "las reglas oficiales {rules}:",
        "unusable": "{src}: no convertido, el fichero no es una factura válida:",
        "unsigned": "{src}: nota: la firma del original no pasa al fichero nuevo.",
        "summary": "{ok} factura(s) convertida(s), {bad} con error.",
    },
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``convert`` sub-command."""
    parser = subparsers.add_parser(
        "convert",
        help="convert invoices between Facturae, UBL, CII, EDIFACT and Factur-X PDF",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    parser.add_argument("--to", required=True, choices=TARGETS, help="target format")
    parser.add_argument("--out-dir", required=True, type=Path, help="folder for the new files")
    parser.add_argument(
        "--lang",
        choices=("es", "en"),
        default=default_language(),
        help="language of the messages (default from the environment)",
    )
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES)
    parser.add_argument(
        "--force",
        action="store_true",
        help="write outputs that fail the official rules (with a warning naming them)",
    )
    parser.add_argument(
        "--edifact-directory",
        choices=("D16B", "D96A"),
        default="D16B",
        help="EDIFACT profile written by --to edifact: D16B (EN 16931 binding, default) or "
        "D96A (EANCOM/AECOC, Spanish retail)",
    )
    parser.set_defaults(func=run)


def output_name(source: Path, target: str, index: int, count: int) -> str:
    """``<stem>.<target>.xml``, or ``<stem>-<n>.<target>.xml`` for invoice n of a batch
    (``.edi`` for EDIFACT, ``.pdf`` for Factur-X)."""
    stem = source.stem
    ext = _EXTENSIONS.get(target, ".xml")
    return f"{stem}-{index + 1}.{target}{ext}" if count > 1 else f"{stem}.{target}{ext}"


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_violations(violations: Sequence[Violation], lang: str, out: TextIO) -> None:
    for v in violations:
        where = f" [{v.location}]" if v.location else ""
        print(f"    {v.rule}{where}: {v.text(lang)}", file=out)


def _render(target: str, invoice: Invoice, edifact_directory: str) -> bytes:
    if target == "facturx":
        return facturx.render(invoice)
    if target == "edifact":
        return formats.render(target, [invoice], version=edifact_directory)
    return formats.render(target, [invoice])


def _target_schema_violations(target: str, data: bytes) -> list[Violation]:
    if target == "edifact":
        found = formats.get_bytes_format(target).validate_syntax(data)
        if not any(v.is_fatal for v in found):
            formats.parse(data)  # what efactura writes, efactura must read back
        return [v for v in found if v.is_fatal]
    if target == "facturx":
        _, data = facturx.extract(data)
        target = "cii"
    module = formats.get(target)
    tree = parse_bytes(data, max_bytes=max(DEFAULT_MAX_BYTES, len(data)))
    return [v for v in module.validate_schema(tree, module.DEFAULT_VERSION) if v.is_fatal]


def output_findings(data: bytes) -> list[Violation]:
    """The fatal findings of ``validate`` on a rendered output, official rules included.

    This is exactly what ``efactura validate`` would say about the written file, so a file
    ``convert`` writes without ``--force`` is one ``validate`` accepts.
    """
    report = validate(data, max_bytes=max(DEFAULT_MAX_BYTES, len(data)), official=True)
    return [v for v in report.all_violations() if v.is_fatal]


def _rule_ids(violations: Sequence[Violation]) -> str:
    return ", ".join(dict.fromkeys(v.rule for v in violations))


def convert_file(
    source: Path,
    *,
    target: str,
    out_dir: Path,
    lang: str,
    max_bytes: int,
    out: TextIO,
    force: bool = False,
    edifact_directory: str = "D16B",
) -> tuple[int, int]:
    """Convert one file; returns (invoices converted, invoices or files failed)."""
    text = _TEXT[lang]
    try:
        with source.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        print(text["unusable"].format(src=source), file=out)
        print(f"    FILE-READ: {exc.strerror or exc}", file=out)
        return 0, 1
    report = validate(data, filename=str(source), max_bytes=max_bytes, official=False)
    structural = [
        v
        for v in report.violations
        if v.is_fatal and v.layer in {Layer.XML, Layer.SCHEMA, Layer.SIGNATURE}
    ]
    document = report.document
    if document is None or structural:
        print(text["unusable"].format(src=source), file=out)
        _print_violations(structural or list(report.violations), lang, out)
        return 0, 1
    if document.signed:
        print(text["unsigned"].format(src=source), file=out)
    converted = failed = 0
    count = len(document.invoices)
    for i, invoice in enumerate(document.invoices):
        number = invoice.full_number or str(i + 1)
        try:
            rendered = _render(target, invoice, edifact_directory)
            problems = _target_schema_violations(target, rendered)
        except EInvoiceError as exc:
            problems = list(exc.violations)
        if problems:
            print(text["failed"].format(src=source, number=number, fmt=target), file=out)
            _print_violations(problems, lang, out)
            failed += 1
            continue
        findings = output_findings(rendered)
        if findings:
            key = "forced" if force else "rejected"
            print(
                text[key].format(src=source, number=number, fmt=target, rules=_rule_ids(findings)),
                file=out,
            )
            _print_violations(findings, lang, out)
            if not force:
                failed += 1
                continue
        dest = out_dir / output_name(source, target, i, count)
        _write_atomically(dest, rendered)
        print(text["written"].format(src=source, number=number, dest=dest), file=out)
        converted += 1
    return converted, failed


def run(args: argparse.Namespace) -> int:
    """Convert every file; exit status 0 only when every invoice was converted."""
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    converted = failed = 0
    for source in args.files:
        ok, bad = convert_file(
            source,
            target=args.to,
            out_dir=out_dir,
            lang=args.lang,
            max_bytes=args.max_bytes,
            out=sys.stdout,
            force=args.force,
            edifact_directory=args.edifact_directory,
        )
        converted += ok
        failed += bad
    print(_TEXT[args.lang]["summary"].format(ok=converted, bad=failed))
    return 0 if failed == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run as ``python -m einvoice.commands.convert --to ubl --out-dir DIR FILE...``."""
    parser = argparse.ArgumentParser(prog="efactura")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["convert", *(sys.argv[1:] if argv is None else argv)])
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
