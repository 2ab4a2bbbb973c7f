"""``efactura verify``: check the signatures of one or more files.

Exit status 0 only when **every** file carries a valid signature; 1 otherwise (an unsigned,
altered, unreadable or malformed file all count as failures).  Each file's verdict and reason
are printed in English and Spanish, or as JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from einvoice.errors import EInvoiceError
from einvoice.signing.verify import SignatureStatus, VerificationReport, verify

HELP = "verify the XAdES signature of Facturae files"


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", metavar="FILE", nargs="+", type=Path, help="files to verify")
    parser.add_argument("--json", action="store_true", help="print one JSON array of reports")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``verify`` sub-command."""
    parser = subparsers.add_parser("verify", help=HELP, description=HELP)
    _arguments(parser)
    parser.set_defaults(func=run)


def _error_entry(
    path: Path, en: str, es: str, findings: list[dict[str, object]]
) -> dict[str, object]:
    return {
        "file": str(path),
        "status": str(SignatureStatus.INVALID),
        "reason": en,
        "reason_es": es,
        "findings": findings,
    }


def _check(path: Path) -> tuple[dict[str, object], VerificationReport | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return (
            _error_entry(
                path,
                f"Cannot read the file: {exc.strerror}.",
                f"No se puede leer el fichero: {exc.strerror}.",
                [],
            ),
            None,
        )
    try:
        report = verify(data)
    except EInvoiceError as exc:
        return (
            _error_entry(
                path,
                exc.summary("en"),
                exc.summary("es"),
                [v.as_dict() for v in exc.violations],
            ),
            None,
        )
    return {"file": str(path), **report.as_dict()}, report


def _print_text(entry: dict[str, object], report: VerificationReport | None) -> None:
    print(f"{entry['file']}: {str(entry['status']).upper()}")
    print(f"  {entry['reason']}")
    print(f"  {entry['reason_es']}")
    if report is None or report.status is SignatureStatus.UNSIGNED:
        return
    if report.signer is not None:
        signer = report.signer
        tax = f" ({signer.tax_id})" if signer.tax_id else ""
        print(f"  signer / firmante: {signer.common_name}{tax}; serial {signer.serial}")
        print(f"  issuer / emisor del certificado: {signer.issuer}")
        print(
            f"  certificate valid / certificado válido: {signer.not_before:%Y-%m-%d} to "
            f"{signer.not_after:%Y-%m-%d}"
        )
    if report.signing_time is not None:
        print(f"  signed at / firmado el: {report.signing_time.isoformat()}")
    print(f"  policy / política: {report.policy_identifier or '-'}")
    print(f"  role / rol: {report.signer_role or '-'}")
    for ref in report.references:
        state = {True: "ok", False: "FAILED / FALLA", None: "not checked / sin comprobar"}[ref.ok]
        uri = ref.uri if ref.uri is not None else "(no URI)"
        print(f"  reference {ref.target} {uri!r}: {state}")
    for finding in report.findings:
        print(f"  {finding.severity}: [{finding.rule}] {finding.message}")
        print(f"  {' ' * len(str(finding.severity))}  [{finding.rule}] {finding.text('es')}")


def run(args: argparse.Namespace) -> int:
    """Verify every file; 0 only when all are validly signed."""
    entries: list[dict[str, object]] = []
    all_valid = True
    for path in args.files:
        entry, report = _check(Path(path))
        entries.append(entry)
        all_valid = all_valid and report is not None and report.is_valid
        if not args.json:
            _print_text(entry, report)
    if args.json:
        json.dump(entries, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return 0 if all_valid else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="efactura verify", description=HELP)
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
