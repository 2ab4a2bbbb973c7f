"""``efactura validate FILE...``: check e-invoice files and explain every problem.

For each file: detected format and version, then each invoice with ``OK`` or its problems
(severity, rule id, where, and a sentence in Spanish or English), and a summary line.
``--json`` prints a JSON array of reports instead (one object per file, see
:meth:`einvoice.validation.Report.as_dict`).  The exit status is 0 only when no file has a
fatal violation, so scripts can use it as a gate.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from einvoice.errors import Layer, Violation
from einvoice.validation import DEFAULT_MAX_BYTES, Report, validate

_LABELS = {
    "en": {
        "fatal": "ERROR",
        "warning": "WARNING",
        "info": "INFO",
        "invoice": "Invoice",
        "ok": "OK",
        "rejected": "REJECTED",
        "signed": "signed",
        "unknown": "not recognised",
        "no_official": "official EN 16931 rules skipped",
        "line": "line",
        "file": "file",
        "summary": "{files} file(s): {good} valid, {bad} with errors; {fatal} error(s), "
        "{warning} warning(s).",
        "unreadable": "The file could not be read: {error}.",
    },
    "es": {
        "fatal": "ERROR",
        "warning": "AVISO",
        "info": "INFO",
        "invoice": "Factura",
        "ok": "Correcta",
        "rejected": "RECHAZADA",
        "signed": "firmado",
        "unknown": "no reconocido",
        "no_official": "no se han aplicado las reglas oficiales EN 16931",
        "line": "línea",
        "file": "fichero",
        "summary": "{files} fichero(s): {good} válido(s), {bad} con errores; {fatal} error(es), "
        "{warning} aviso(s).",
        "unreadable": "No se pudo leer el fichero: {error}.",
    },
}


def default_language() -> str:
    """``es`` when the environment's locale is Spanish, else ``en``."""
    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    return "es" if (lang or "").lower().startswith("es") else "en"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` sub-command."""
    parser = subparsers.add_parser(
        "validate",
        help="validate Facturae, UBL or CII invoice files",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    parser.add_argument("--json", action="store_true", help="print a JSON array of reports")
    parser.add_argument(
        "--no-official",
        action="store_true",
        help="skip the official EN 16931 / Peppol rules (faster; structure and Spanish rules only)",
    )
    parser.add_argument(
        "--lang",
        choices=("es", "en"),
        default=default_language(),
        help="language of the messages (default from the environment)",
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help=f"refuse files larger than this (default {DEFAULT_MAX_BYTES:,})",
    )
    parser.set_defaults(func=run)


def _read(path: Path, max_bytes: int) -> bytes:
    # Read one byte more than the cap so the pipeline reports the size, not a truncation.
    with path.open("rb") as handle:
        return handle.read(max_bytes + 1)


def validate_path(path: Path, *, official: bool, max_bytes: int) -> Report:
    """Validate one file on disk; an unreadable file becomes a report with one violation."""
    try:
        data = _read(path, max_bytes)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return Report(
            filename=str(path),
            official=False,
            violations=(
                Violation(
                    rule="FILE-READ",
                    message=_LABELS["en"]["unreadable"].format(error=reason),
                    message_es=_LABELS["es"]["unreadable"].format(error=reason),
                    layer=Layer.XML,
                ),
            ),
        )
    return validate(data, filename=str(path), max_bytes=max_bytes, official=official)


def _violation_line(v: Violation, lang: str) -> str:
    labels = _LABELS[lang]
    where = v.location
    if v.line is not None:
        where = f"{where}, {labels['line']} {v.line}" if where else f"{labels['line']} {v.line}"
    where_part = f" [{where}]" if where else ""
    return f"    {labels[str(v.severity)]:<8} {v.rule}{where_part}: {v.text(lang)}"


def print_report(report: Report, lang: str, out: TextIO) -> None:
    """The human-readable report of one file."""
    labels = _LABELS[lang]
    if report.format:
        head = f"{report.format} {report.version}".strip()
        if report.signed:
            head += f", {labels['signed']}"
    else:
        head = labels["unknown"]
    if not report.official and report.format:
        head += f"; {labels['no_official']}"
    print(f"{report.filename}: {head}", file=out)
    for v in report.violations:
        print(_violation_line(v, lang), file=out)
    for result in report.invoices:
        status = labels["ok"] if result.ok else labels["rejected"]
        title = f"  {labels['invoice']} {result.number or result.index + 1}: {status}"
        print(title.rstrip(), file=out)
        for v in result.violations:
            print(_violation_line(v, lang), file=out)


def run(args: argparse.Namespace) -> int:
    """Validate every file; exit status 0 only when none has a fatal violation."""
    lang: str = args.lang
    official = not args.no_official
    reports = [validate_path(p, official=official, max_bytes=args.max_bytes) for p in args.files]
    out = sys.stdout
    if args.json:
        json.dump([r.as_dict() for r in reports], out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for report in reports:
            print_report(report, lang, out)
        fatal = sum(r.counts()["fatal"] for r in reports)
        warning = sum(r.counts()["warning"] for r in reports)
        good = sum(1 for r in reports if r.ok)
        print(
            _LABELS[lang]["summary"].format(
                files=len(reports),
                good=good,
                bad=len(reports) - good,
                fatal=fatal,
                warning=warning,
            ),
            file=out,
        )
    return 0 if all(r.ok for r in reports) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run as ``python -m einvoice.commands.validate FILE...``."""
    parser = argparse.ArgumentParser(prog="efactura")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["validate", *(sys.argv[1:] if argv is None else argv)])
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
