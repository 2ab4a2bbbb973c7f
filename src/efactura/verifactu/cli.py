"""``efactura verifactu …``: export records, run the AEAT simulator, submit now."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from pathlib import Path
from typing import Any


def add_commands(sub: Any) -> None:
    """Register the ``verifactu`` command group on the main parser."""
    group = sub.add_parser("verifactu", help="VERI*FACTU billing records (AEAT)").add_subparsers(
        dest="verifactu_command", metavar="SUBCOMMAND", required=True
    )
    export = group.add_parser("export", help="write a company's billing records as the AEAT's XML")
    export.add_argument("--company", required=True, metavar="TAXID", help="the issuer's tax ID")
    export.add_argument("--out-dir", required=True, type=Path, metavar="DIR")
    export.set_defaults(func=cmd_export)

    simulator = group.add_parser(
        "simulator", help="run the local AEAT SIMULATOR (not the AEAT) for tests and demos"
    )
    simulator.add_argument("--host", default="127.0.0.1")
    simulator.add_argument("--port", type=int, default=0, help="0 picks a free port")
    simulator.add_argument(
        "--wait", type=int, default=60, help="TiempoEsperaEnvio it answers (seconds)"
    )
    simulator.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="SQLite file that keeps what it registered (default: in memory)",
    )
    simulator.add_argument(
        "--reject",
        action="append",
        default=[],
        metavar="NUMBER",
        help="reject the next alta of this invoice number once (error 1100)",
    )
    simulator.set_defaults(func=cmd_simulator)

    submit = group.add_parser("submit", help="send every waiting record now (one round)")
    submit.set_defaults(func=cmd_submit)

    check = group.add_parser(
        "check",
        help="look for anomalies in NO VERI*FACTU records and events now (logs events 03-06)",
    )
    check.add_argument("--company", metavar="TAXID", help="one company (default: every one)")
    check.set_defaults(func=cmd_check)

    restored = group.add_parser(
        "backup-restored",
        help="after restoring a backup: log event 07 and look for anomalies",
    )
    which = restored.add_mutually_exclusive_group(required=True)
    which.add_argument("--company", metavar="TAXID", help="one company")
    which.add_argument("--all", action="store_true", help="every NO VERI*FACTU company")
    restored.add_argument("--note", default="", help="what was restored (kept in the event)")
    restored.set_defaults(func=cmd_backup_restored)


def _company(text: str) -> Any:
    """The company with tax ID ``text`` (after ``setup_django``), or a CliError."""
    from efactura.cli import CliError
    from efactura.companies.models import Company
    from einvoice.identifiers import normalise_tax_id

    try:
        tax_id = normalise_tax_id(text, "ES")
    except ValueError as exc:
        raise CliError(f"invalid tax ID {text!r}: {exc}") from None
    company = Company.objects.filter(tax_id=tax_id).first()
    if company is None:
        raise CliError(f"no company with tax ID {tax_id}")
    return company


def cmd_export(args: argparse.Namespace) -> int:
    from efactura.cli import ensure_database, setup_django

    setup_django()
    ensure_database()
    from efactura.verifactu.services import export_records

    company = _company(args.company)
    tax_id = company.tax_id
    files = export_records(company=company)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (args.out_dir / name).write_bytes(data)
        print(args.out_dir / name)
    if not files:
        print(f"{tax_id}: no billing records")
    return 0


def cmd_simulator(args: argparse.Namespace) -> int:
    from efactura.verifactu.simulator import LABEL, Simulator, start

    simulator = Simulator(
        wait_seconds=args.wait, state_file=args.state_file, reject_once=set(args.reject)
    )
    server, url = start(simulator, host=args.host, port=args.port)
    print(f"{LABEL}: {url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.shutdown()
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from efactura.cli import ensure_database, setup_django

    setup_django()
    ensure_database()
    from efactura.verifactu.services import do_submit_due

    print(f"issuers with waiting records: {do_submit_due()}")
    return 0


def _print_report(report: Any) -> None:
    found = len(report.records.findings) + len(report.events.findings)
    state = "no anomalies" if report.ok else f"{found} ANOMALIES (operators alerted)"
    print(
        f"{report.company.tax_id}: {report.records.run.chain} records and "
        f"{report.events.run.chain} events checked, {state}"
    )


def cmd_check(args: argparse.Namespace) -> int:
    from efactura.cli import CliError, ensure_database, setup_django

    setup_django()
    ensure_database()
    from efactura.verifactu.choices import Mode
    from efactura.verifactu.services import do_check_integrity, mode_of, no_verifactu_companies

    if args.company:
        company = _company(args.company)
        if mode_of(company) != Mode.NO_VERIFACTU:
            raise CliError(f"{company.tax_id} is not in NO VERI*FACTU mode: no event log")
        companies = [company]
    else:
        companies = no_verifactu_companies()
    reports = [do_check_integrity(company=c) for c in companies]
    for report in reports:
        _print_report(report)
    if not reports:
        print("no company is in NO VERI*FACTU mode")
    return 0 if all(r.ok for r in reports) else 1


def cmd_backup_restored(args: argparse.Namespace) -> int:
    from efactura.cli import CliError, ensure_database, setup_django

    setup_django()
    ensure_database()
    from efactura.verifactu.services import (
        RecordRefused,
        do_log_backup_restored,
        no_verifactu_companies,
    )

    companies = [_company(args.company)] if args.company else no_verifactu_companies()
    for company in companies:
        try:
            row = do_log_backup_restored(company=company, note=args.note)
        except RecordRefused as exc:
            raise CliError(str(exc)) from None
        print(f"{company.tax_id}: event 07 logged (#{row.sequence})")
    if not companies:
        print("no company is in NO VERI*FACTU mode")
    return 0
