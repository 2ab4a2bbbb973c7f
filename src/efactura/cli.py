"""The ``efactura`` command: run the platform and administer it from a terminal.

``efactura serve`` is all a small installation needs: it applies database migrations and runs
the web server (gunicorn) and the background worker together.  Other subcommands add
companies, users and API keys, load the demo, or run Django management commands.  The
standards-library subcommands (validate, convert, sign, verify) need no database.

A mistake by the person typing (unknown company, invalid tax ID, bad configuration) prints one
sentence on standard error and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

EXIT_USAGE = 2
"""A user mistake: bad arguments, bad configuration, invalid or duplicate data."""
EXIT_WEB_DIED = 3
"""``serve``: the web server stopped on its own (the worker was stopped too)."""
EXIT_WORKER_DIED = 4
"""``serve``: the background worker stopped on its own (the web server was stopped too)."""

STOP_TIMEOUT_SECONDS = 20.0


class CliError(Exception):
    """A problem to report to the person at the terminal in one sentence."""


Handler = Callable[[argparse.Namespace], int]


# -- Django set-up --------------------------------------------------------------------------


def _cli_language() -> str:
    """Spanish when the terminal's locale is Spanish, English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"


def setup_django() -> None:
    """Load settings (failing with the settings' own sentence) and activate the CLI language."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efactura.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise CliError(f"Configuration error: {exc}") from None
    from django.utils import translation

    translation.activate(_cli_language())


def _is_sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def migrate(*, verbose: bool = False) -> None:
    """Bring the database schema up to date."""
    from django.core.management import call_command
    from django.db.utils import OperationalError

    try:
        call_command("migrate", interactive=False, verbosity=1 if verbose else 0)
    except OperationalError as exc:
        raise CliError(f"The database cannot be reached: {exc}.") from None


def _pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.utils import OperationalError

    try:
        executor = MigrationExecutor(connection)
        return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except OperationalError as exc:
        raise CliError(f"The database cannot be reached: {exc}.") from None


def ensure_database() -> None:
    """Make sure the schema is current before a command uses the database.

    The embedded SQLite database is migrated automatically (it belongs to this installation
    alone).  A shared PostgreSQL database is only checked: migrating it is a deliberate
    operator step (``efactura manage migrate`` or ``efactura serve``), as other machines may
    still be running the previous version.
    """
    pending = _pending_migrations()
    if not pending:
        return
    if _is_sqlite():
        migrate()
        return
    raise CliError(
        f"The database schema is not up to date ({pending} migrations pending): run "
        "`efactura manage migrate` first."
    )


def _validation_text(exc: Exception) -> str:
    messages = getattr(exc, "messages", None)
    if messages:
        return " ".join(str(message) for message in messages)
    return str(exc)


# -- Subcommands ----------------------------------------------------------------------------


def default_web_processes() -> int:
    """One web process per core this process may run on (at least one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _gunicorn_command(host: str, port: int, workers: int, threads: int = 4) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "efactura.wsgi:application",
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        # One process per core (the GIL keeps one process on one core), each with a few
        # threads so requests waiting on the database or the disk do not hold a core idle.
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "15",
        "--access-logfile",
        "-",
    ]


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each running child, wait, then SIGKILL whatever is left."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_system_checks() -> None:
    """Django's system checks; any error (e.g. production with a TEST seal) stops ``serve``."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", fail_level="ERROR")
    except SystemCheckError as exc:
        raise CliError(f"efactura cannot start: {exc}".strip()) from None


def prepare_signing() -> None:
    """Open the platform seal now (generating the TEST seal on the embedded default), so the
    first invoice is signed at once and web server and worker share one seal."""
    from efactura.signing.services import ensure_platform_seal

    seal = ensure_platform_seal()
    if seal.is_test:
        print(
            "efactura: signing with a TEST seal (invoices are not legally valid); configure "
            "EFACTURA_SEAL_P12 and EFACTURA_SEAL_PASSWORD for real use.",
            file=sys.stderr,
            flush=True,
        )


def _check_port_free(host: str, port: int) -> None:
    """Fail with a sentence now rather than letting the web server retry and die later."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(
                f"Cannot listen on {host}:{port} ({exc.strerror}); choose another with --port."
            ) from None


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, optionally load the demo, then run web server and worker until stopped."""
    _check_port_free(args.host, args.port)
    # Links in emails must point at this server unless the operator said otherwise.
    link_host = "127.0.0.1" if args.host in {"0.0.0.0", "::", ""} else args.host  # noqa: S104
    link_host = f"[{link_host}]" if ":" in link_host else link_host
    os.environ.setdefault("EFACTURA_BASE_URL", f"http://{link_host}:{args.port}")
    demo_bank = _start_demo_bank(args) if args.demo else None
    try:
        return _serve(args, demo_bank)
    finally:
        if demo_bank is not None:
            demo_bank.stop()


def _start_demo_bank(args: argparse.Namespace) -> Any:
    """For ``serve --demo``: start the demo bank's OpenID provider unless one is configured.

    Runs before Django reads its settings, which then find the ``EFACTURA_OIDC_*`` variables.
    Without node the demo still starts, saying how to switch sign-in from online banking on.
    """
    if os.environ.get("EFACTURA_OIDC_ISSUER", "").strip():
        return None
    from efactura.sso.demo import demo_text, start_demo_provider
    from efactura.sso.provider_process import ProviderUnavailable

    try:
        provider, variables = start_demo_provider(
            base_url=os.environ["EFACTURA_BASE_URL"], port=args.port + 1
        )
    except ProviderUnavailable as exc:
        print(demo_text(None, str(exc)), file=sys.stderr, flush=True)
        return None
    os.environ.update(variables)
    return provider


def _serve(args: argparse.Namespace, demo_bank: Any) -> int:
    setup_django()
    run_system_checks()
    migrate(verbose=False)
    prepare_signing()
    if args.demo:
        from efactura.demo import credentials_text, do_load_demo
        from efactura.sso.demo import demo_text, do_load_demo_enrolments

        print(credentials_text(do_load_demo()), flush=True)
        do_load_demo_enrolments()
        if demo_bank is not None:
            print(demo_text(demo_bank), flush=True)
    from django.db import connections

    connections.close_all()

    stop_requested: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.append(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "efactura.settings"}
    # Children get their own process group: Ctrl-C reaches only this supervisor, which then
    # stops both children once, in order, instead of each getting the signal twice.
    web_processes = args.workers or default_web_processes()
    web = subprocess.Popen(
        _gunicorn_command(args.host, args.port, web_processes, args.threads),
        env=env,
        process_group=0,
    )
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "efactura",
                "worker",
                "--skip-migrate",
                "--threads",
                str(args.worker_threads),
            ],
            env=env,
            process_group=0,
        )
        for _ in range(max(1, args.background_workers))
    ]
    print(
        f"efactura is running at http://{args.host}:{args.port}/ (web pid {web.pid}: "
        f"{web_processes} processes x {args.threads} threads; background worker pid "
        f"{', '.join(str(w.pid) for w in workers)}"
        f"{f' x {args.worker_threads} threads' if args.worker_threads > 1 else ''}); "
        "press Ctrl-C to stop.",
        flush=True,
    )
    status = 0
    try:
        while not stop_requested:
            if web.poll() is not None:
                print(
                    f"efactura: the web server stopped (exit status {web.returncode}); "
                    "stopping the worker.",
                    file=sys.stderr,
                    flush=True,
                )
                status = EXIT_WEB_DIED
                break
            stopped = next((w for w in workers if w.poll() is not None), None)
            if stopped is not None:
                print(
                    f"efactura: the background worker stopped (exit status {stopped.returncode}); "
                    "stopping the web server.",
                    file=sys.stderr,
                    flush=True,
                )
                status = EXIT_WORKER_DIED
                break
            time.sleep(0.2)
    finally:
        _stop([web, *workers])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stop_requested:
        print("efactura: stopped.", flush=True)
    return status


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the background worker (django-tasks-db ``db_worker``) on every queue."""
    setup_django()
    run_system_checks()
    if not args.skip_migrate:
        ensure_database()
    from django.core.management import call_command

    from efactura.housekeeping import start_scheduler

    start_scheduler()
    if args.threads > 1:
        _run_worker_threads(args.threads)
        return 0
    # Poll every 0.2 s (django-tasks-db's default is 1 s): a queued AS4 message or email waits
    # for the next poll, and that wait was most of an AS4 delivery's latency.
    call_command("db_worker", queue_name="*", reload=False, interval=WORKER_POLL_SECONDS)
    return 0


WORKER_POLL_SECONDS = 0.2


def _run_worker_threads(count: int) -> None:
    """``count`` django-tasks-db worker loops in this process, one thread and one database
    connection each.

    A lone worker loop spends about a third of its time waiting for the database; a second
    loop in the same process fills those waits without the memory of a second process.
    Each loop claims its tasks the way separate worker processes do (``SELECT … FOR UPDATE
    SKIP LOCKED`` on PostgreSQL), so no task runs twice.  SIGINT/SIGTERM let every loop finish
    its current task and stop; a second signal stops at once.
    """
    import threading

    from django.db import connections
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Command, Worker

    # The same log lines as ``db_worker`` ("Starting worker ...", one per task).
    Command().configure_logging(1)
    loops = [
        Worker(
            queue_names=["*"],
            interval=WORKER_POLL_SECONDS,
            batch=False,
            backend_name="default",
            startup_delay=True,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        for _ in range(count)
    ]
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            os._exit(1)
        stopping.set()
        print(
            f"stopping: {count} worker threads finish their current task "
            "(signal again to stop at once)",
            file=sys.stderr,
            flush=True,
        )
        for loop in loops:
            loop.running = False

    def run(loop: Worker) -> None:
        try:
            loop.run()
        finally:
            connections.close_all()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)
    threads = [
        threading.Thread(target=run, args=(loop,), name=f"worker-{n}", daemon=True)
        for n, loop in enumerate(loops, start=1)
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=0.5)


def cmd_housekeeping(args: argparse.Namespace) -> int:
    """Run the periodic jobs once (certificate warnings, retries, purges) and print results."""
    setup_django()
    ensure_database()
    from efactura.housekeeping import run_housekeeping

    results = run_housekeeping()
    for name, result in results.items():
        print(f"{name}: {result}")
    return 1 if any(r.startswith("error:") for r in results.values()) else 0


def cmd_archive_verify(args: argparse.Namespace) -> int:
    """Walk the archive's hash chain and re-hash the stored files; name the first break."""
    setup_django()
    ensure_database()
    from efactura.invoices.storage import do_verify_archive

    result = do_verify_archive(verify_bytes=not args.chain_only, source="cli")
    if result.ok:
        print(f"archive intact: {result.checked} documents checked")
        return 0
    print(f"archive BROKEN: {result.checked} documents checked, {len(result.problems)} problems")
    print(f"first break: {result.first_break}")
    for problem in result.problems[1:]:
        print(f"  {problem}")
    return 1


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from efactura.demo import credentials_text, do_load_demo
    from efactura.sso.demo import do_load_demo_enrolments

    print(credentials_text(do_load_demo()))
    do_load_demo_enrolments()
    return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    """Enrol a bank customer for a company (or change/disable an enrolment)."""
    setup_django()
    ensure_database()
    from django.core.exceptions import ValidationError

    from efactura.audit.choices import Source
    from efactura.sso.models import Enrolment
    from efactura.sso.services import canonical_national_id, do_enrol, do_set_enrolment_active

    company = _company_by_tax_id(args.company)
    who = args.subject or args.national_id
    try:
        if args.disable:
            lookup = (
                {"subject": args.subject.strip()}
                if args.subject
                else {"national_id": canonical_national_id(args.national_id)}
            )
            enrolment = Enrolment.objects.filter(company=company, **lookup).first()
            if enrolment is None:
                raise CliError(f"{who} is not enrolled for {company.legal_name}.")
            do_set_enrolment_active(enrolment=enrolment, active=False, source=Source.CLI)
            print(f"Enrolment of {who} for {company.legal_name} ({company.tax_id}) disabled.")
            return 0
        if not args.role:
            raise CliError("--role is required (admin, accountant or viewer).")
        enrolment = do_enrol(
            company=company,
            role=args.role,
            subject=args.subject or "",
            national_id=args.national_id or "",
            note=args.note,
            source=Source.CLI,
        )
    except ValidationError as exc:
        raise CliError(_validation_text(exc)) from None
    print(
        f"{who} is enrolled as {enrolment.role} of {company.legal_name} ({company.tax_id}); "
        "they enter from the E-INVOICE tab of online banking."
    )
    return 0


def cmd_company_add(args: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from django.core.exceptions import ValidationError

    from efactura.audit.choices import Source
    from efactura.companies.services import do_create_company

    try:
        company = do_create_company(
            tax_id=args.tax_id,
            legal_name=args.name,
            contact_email=args.email,
            address=args.address,
            postal_code=args.postal_code,
            city=args.city,
            province=args.province,
            language=args.language,
            source=Source.CLI,
        )
    except ValidationError as exc:
        raise CliError(_validation_text(exc)) from None
    print(f"Company created: {company.legal_name} ({company.tax_id}), id {company.pk}.")
    return 0


def _company_by_tax_id(tax_id: str) -> Any:
    from efactura.companies.models import Company
    from efactura.companies.selectors import access_company_by_tax_id

    try:
        return access_company_by_tax_id(tax_id=tax_id)
    except Company.DoesNotExist:
        raise CliError(
            f"No company with tax ID {tax_id} is registered; add it with `efactura company add`."
        ) from None


def cmd_user_add(args: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from efactura.accounts.selectors import access_user_by_email
    from efactura.accounts.services import do_create_user, generate_password
    from efactura.audit.choices import Source
    from efactura.companies.services import do_add_membership

    try:
        validate_email(args.email)
    except ValidationError:
        raise CliError(f"{args.email} is not a valid email address.") from None
    company = _company_by_tax_id(args.company)
    user = access_user_by_email(email=args.email)
    generated = ""
    if user is None:
        if args.password_env:
            password = os.environ.get(args.password_env, "")
            if not password:
                raise CliError(f"The environment variable {args.password_env} is empty or unset.")
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CliError(f"The password is too weak: {_validation_text(exc)}") from None
        else:
            password = generated = generate_password()
        user = do_create_user(
            email=args.email,
            password=password,
            full_name=args.name,
            language=args.language,
            source=Source.CLI,
        )
        print(f"User created: {user.email}.")
    else:
        print(f"User {user.email} already exists; adding the membership only.")
    try:
        membership = do_add_membership(
            user=user, company=company, role=args.role, source=Source.CLI
        )
    except ValidationError as exc:
        raise CliError(_validation_text(exc)) from None
    print(f"{user.email} is {membership.role} of {company.legal_name} ({company.tax_id}).")
    if generated:
        print(f"Password (shown once): {generated}")
    return 0


def cmd_apikey_create(args: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from django.core.exceptions import ValidationError

    from efactura.audit.choices import Source
    from efactura.companies.services import do_create_api_key

    company = _company_by_tax_id(args.company)
    try:
        api_key, clear = do_create_api_key(
            company=company, name=args.name, scopes=args.scopes.split(","), source=Source.CLI
        )
    except ValidationError as exc:
        raise CliError(_validation_text(exc)) from None
    print(
        f"API key {api_key.name!r} created for {company.legal_name} ({company.tax_id}) with "
        f"scopes {', '.join(api_key.scopes)}. Store it now; it is not shown again:"
    )
    print(clear)
    return 0


def cmd_node(args: argparse.Namespace) -> int:
    """Show this platform's AS4 identity; ``--certificate-file``/``--key-file`` install the
    certificate its PKI issued (a self-signed one is made on first use)."""
    setup_django()
    ensure_database()
    import json

    from django.core.exceptions import ValidationError

    from efactura.interconnection import config, pki

    if bool(args.certificate_file) != bool(args.key_file):
        raise CliError("Give both --certificate-file and --key-file, or neither.")
    if args.certificate_file:
        try:
            pki.do_install_credential(
                certificate_pem=Path(args.certificate_file).read_bytes(),
                key_pem=Path(args.key_file).read_bytes(),
            )
        except OSError as exc:
            raise CliError(f"Cannot read {exc.filename}: {exc.strerror}.") from None
        except ValidationError as exc:
            raise CliError(_validation_text(exc)) from None
    own = pki.credential()
    entry = {
        "party_id": own.party_id,
        "as4_url": config.as4_url(),
        "smp_url": config.smp_url(),
        "certificate": own.pem,
    }
    if args.json:
        print(json.dumps(entry))
        return 0
    print(f"AS4 party id: {entry['party_id']}")
    print(f"AS4 endpoint: {entry['as4_url']}")
    print(f"SMP:          {entry['smp_url']}")
    print(entry["certificate"], end="")
    print("Partners add this platform with:")
    print(f"  efactura partner add --smp-url {entry['smp_url']} --certificate-file CERT.pem")
    return 0


def cmd_partner_add(args: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from django.core.exceptions import ValidationError

    from efactura.interconnection.services import do_add_partner

    try:
        certificate = Path(args.certificate_file).read_bytes()
    except OSError as exc:
        raise CliError(f"Cannot read {args.certificate_file}: {exc.strerror}.") from None
    try:
        partner = do_add_partner(
            name=args.name, smp_url=args.smp_url, certificate_pem=certificate, note=args.note
        )
    except ValidationError as exc:
        raise CliError(_validation_text(exc)) from None
    print(f"Partner {partner.name} ({partner.party_id}, SMP {partner.smp_url}) is trusted.")
    return 0


def cmd_partner_list(args: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from efactura.interconnection.selectors import list_partners

    partners = list_partners()
    if not partners:
        print("No partners: run `efactura partner add --smp-url URL --certificate-file PEM`.")
    for partner in partners:
        state = "active" if partner.is_active else "inactive"
        print(f"{partner.name}\t{partner.party_id}\t{partner.smp_url}\t{state}")
    return 0


def cmd_partner_test(args: argparse.Namespace) -> int:
    """Send a Peppol ping (AS4 test service) to the access point serving a participant."""
    setup_django()
    ensure_database()
    from efactura.interconnection.selectors import access_partner_by_name
    from efactura.interconnection.services import do_ping_partner

    partner = access_partner_by_name(name=args.name)
    if partner is None:
        raise CliError(f"No partner is called {args.name!r} (see `efactura partner list`).")
    result = do_ping_partner(partner=partner, participant=args.participant)
    if not result.ok:
        raise CliError(f"Ping to {partner.name} failed: {result.detail}")
    print(f"Ping to {partner.name} answered with a signed receipt.")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    arguments = list(args.arguments)
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]
    execute_from_command_line(["efactura manage", *arguments])
    return 0


# -- Parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="efactura",
        description="Electronic invoicing platform for Spain (Facturae, UBL/Peppol, CII).",
        epilog=(
            "Configuration comes from environment variables (DATABASE_URL, EFACTURA_DATA_DIR, "
            "EMAIL_URL, …); see the efactura.settings documentation."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser(
        "serve",
        help="run the web server and the background worker",
        description=(
            "Apply database migrations, then run the web server and the background worker "
            "until Ctrl-C. Exit status 3: the web server stopped on its own; 4: the worker did."
        ),
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default %(default)s)")
    serve.add_argument(
        "--workers",
        type=int,
        default=0,
        help=f"web server processes (default: one per core, here {default_web_processes()})",
    )
    serve.add_argument(
        "--threads", type=int, default=4, help="threads per web process (default %(default)s)"
    )
    serve.add_argument(
        "--background-workers",
        type=int,
        default=1,
        help="background worker processes (default %(default)s)",
    )
    serve.add_argument(
        "--worker-threads",
        type=_positive,
        default=1,
        help="task loops per background worker process (default %(default)s)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="load the demo data and print its logins"
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the background worker only")
    worker.add_argument("--skip-migrate", action="store_true", help=argparse.SUPPRESS)
    worker.add_argument(
        "--threads",
        type=_positive,
        default=1,
        help="task loops in this process, one database connection each (default %(default)s)",
    )
    worker.set_defaults(func=cmd_worker)

    housekeeping = sub.add_parser(
        "housekeeping",
        help="run the periodic jobs once (workers also run them every hour)",
    )
    housekeeping.set_defaults(func=cmd_housekeeping)

    archive = sub.add_parser("archive", help="the tamper-evident document archive").add_subparsers(
        dest="archive_command", required=True
    )
    archive_verify = archive.add_parser(
        "verify",
        help="walk the hash chain and the stored bytes; name the first break (exit 1 if broken)",
    )
    archive_verify.add_argument(
        "--chain-only", action="store_true", help="check the records' chain, not the files"
    )
    archive_verify.set_defaults(func=cmd_archive_verify)

    demo = sub.add_parser("demo", help="load the demo companies and users (idempotent)")
    demo.set_defaults(func=cmd_demo)

    company = sub.add_parser("company", help="manage companies").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    company_add = company.add_parser("add", help="register a company")
    company_add.add_argument("--tax-id", required=True, help="NIF/CIF/NIE or EU VAT number")
    company_add.add_argument("--name", required=True, help="legal name")
    company_add.add_argument("--email", required=True, help="contact email")
    company_add.add_argument("--address", default="")
    company_add.add_argument("--postal-code", default="")
    company_add.add_argument("--city", default="")
    company_add.add_argument("--province", default="")
    company_add.add_argument("--language", choices=["es", "en"], default="es")
    company_add.set_defaults(func=cmd_company_add)

    user = sub.add_parser("user", help="manage users").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    user_add = user.add_parser(
        "add", help="create a user (or reuse an existing one) and make it a member of a company"
    )
    user_add.add_argument("--email", required=True)
    user_add.add_argument("--company", required=True, metavar="TAXID")
    user_add.add_argument("--role", required=True, choices=["admin", "accountant", "viewer"])
    user_add.add_argument(
        "--password-env",
        metavar="VAR",
        help="read the password from this environment variable (default: generate one)",
    )
    user_add.add_argument("--name", default="", help="full name")
    user_add.add_argument("--language", choices=["es", "en", ""], default="")
    user_add.set_defaults(func=cmd_user_add)

    enrol = sub.add_parser(
        "enrol",
        help="enrol a bank customer for a company (sign-in from online banking)",
        description=(
            "Let the bank customer identified by the provider's subject or by their national "
            "ID (DNI/NIE) act for a company with a role, entering from online banking. "
            "Enrolling again changes the role; --disable withdraws access at their next request."
        ),
    )
    enrol.add_argument("--company", required=True, metavar="TAXID")
    who = enrol.add_mutually_exclusive_group(required=True)
    who.add_argument("--subject", metavar="SUB", help="the customer's sub at the bank's provider")
    who.add_argument("--national-id", metavar="ID", help="the customer's DNI or NIE")
    enrol.add_argument("--role", choices=["admin", "accountant", "viewer"])
    enrol.add_argument("--note", default="", help="free text kept with the enrolment")
    enrol.add_argument("--disable", action="store_true", help="disable the enrolment instead")
    enrol.set_defaults(func=cmd_enrol)

    apikey = sub.add_parser("apikey", help="manage API keys").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    apikey_create = apikey.add_parser(
        "create", help="create an API key; the key is printed alone on the last line"
    )
    apikey_create.add_argument("--company", required=True, metavar="TAXID")
    apikey_create.add_argument("--name", default="API")
    apikey_create.add_argument("--scopes", default="send,receive,status")
    apikey_create.set_defaults(func=cmd_apikey_create)

    from efactura.sync import register as register_sync

    register_sync(sub)

    node = sub.add_parser("node", help="show this platform's AS4 identity (URLs, certificate)")
    node.add_argument("--json", action="store_true", help="print as4_url, smp_url, certificate")
    node.add_argument("--certificate-file", help="install this AS4 certificate (PEM)")
    node.add_argument("--key-file", help="its RSA private key (PEM, stored encrypted)")
    node.set_defaults(func=cmd_node)

    partner = sub.add_parser("partner", help="manage AS4 partner platforms").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    partner_add = partner.add_parser("add", help="trust a partner platform (or update it)")
    partner_add.add_argument("--smp-url", required=True, help="the partner's SMP address")
    partner_add.add_argument(
        "--certificate-file", required=True, help="the partner's AS4 certificate (PEM)"
    )
    partner_add.add_argument("--name", default="", help="a name (default: certificate CN)")
    partner_add.add_argument("--note", default="")
    partner_add.set_defaults(func=cmd_partner_add)
    partner_list = partner.add_parser("list", help="list partner platforms")
    partner_list.set_defaults(func=cmd_partner_list)
    partner_test = partner.add_parser("test", help="send a Peppol ping to a partner")
    partner_test.add_argument("name", help="the partner's name")
    partner_test.add_argument(
        "--participant", required=True, help="a participant it serves (9920:ESB12345678)"
    )
    partner_test.set_defaults(func=cmd_partner_test)

    manage = sub.add_parser(
        "manage", help="run a Django management command", add_help=False, prefix_chars="\0"
    )
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    from efactura.verifactu.cli import add_commands as add_verifactu_commands
    from einvoice.commands import register_all

    add_verifactu_commands(sub)
    from efactura.spfe.cli import add_commands as add_spfe_commands

    add_spfe_commands(sub)
    register_all(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args)
    except CliError as exc:
        print(f"efactura: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
