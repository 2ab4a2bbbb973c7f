"""``efactura spfe …``: run the SPFE simulator, send the queue now."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from pathlib import Path
from typing import Any


def add_commands(sub: Any) -> None:
    """Register the ``spfe`` command group on the main parser."""
    group = sub.add_parser(
        "spfe", help="the copy to the AEAT's public e-invoicing solution (SPFE)"
    ).add_subparsers(dest="spfe_command", metavar="SUBCOMMAND", required=True)
    simulator = group.add_parser(
        "simulator", help="run the local SPFE SIMULATOR (not the AEAT) for tests and demos"
    )
    simulator.add_argument("--host", default="127.0.0.1")
    simulator.add_argument("--port", type=int, default=0, help="0 picks a free port")
    simulator.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="SQLite file that keeps what it registered (default: in memory)",
    )
    simulator.set_defaults(func=cmd_simulator)
    send = group.add_parser("send", help="send every item that is due now (one round)")
    send.set_defaults(func=cmd_send)


def cmd_simulator(args: argparse.Namespace) -> int:
    from efactura.spfe.simulator import LABEL, Simulator, start

    server, url = start(Simulator(state_file=args.state_file), host=args.host, port=args.port)
    print(f"{LABEL}: {url}", flush=True)
    print("Use it with EFACTURA_SPFE_ENDPOINT=" + url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.shutdown()
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    from efactura.cli import ensure_database, setup_django

    setup_django()
    ensure_database()
    from efactura.spfe.services import do_send_due

    print(f"invoices with items due: {do_send_due()}")
    return 0
