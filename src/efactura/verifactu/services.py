"""VERI*FACTU services: make billing records, chain them, submit them to the AEAT.

* :func:`do_register_issued_invoice` — the alta of an invoice issued from the web form or API
  JSON, called by the issuing service inside its transaction;
* :func:`do_register_cancellation` — the anulación when an issued invoice is cancelled;
* :func:`do_correct_record` — a correction (subsanación) of a record the AEAT rejected or
  accepted with errors;
* :func:`do_submit_pending` — one submission of an issuer's waiting records (run by the
  worker, never inside a transaction: the network call happens between two short ones).

Each issuer's records form one chain (Orden HAC/1177/2024 art. 7): the issuer's
:class:`~efactura.verifactu.models.Chain` row is locked while a record is appended, so the
chain has no forks and its positions have no gaps, whatever the number of web processes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import ssl
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.audit.services import record as audit
from efactura.companies.models import Company
from efactura.invoices.models import Invoice
from efactura.verifactu.choices import (
    AEAT_STATE,
    Kind,
    Mode,
    State,
    SubmissionState,
)
from efactura.verifactu.models import (
    BillingRecord,
    Chain,
    CompanySettings,
    EventRecord,
    Submission,
)
from einvoice import model as em
from einvoice.errors import EInvoiceError
from einvoice.signing.certs import SigningIdentity
from einvoice.verifactu import events, from_invoice, integrity, soap
from einvoice.verifactu.qr import qr_url
from einvoice.verifactu.records import (
    NS_SUM1,
    Cancellation,
    ChainLink,
    Registration,
    Software,
    Taxpayer,
    amount,
    date_text,
    message,
    spanish_nif,
)

log = logging.getLogger("efactura.verifactu")
MADRID = ZoneInfo("Europe/Madrid")
BATCH = 1000
"""Records per submission: the AEAT's maximum (SuministroLR.xsd)."""


class RecordRefused(ValueError):
    """A record cannot be made or corrected (bilingual message for the operator)."""


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


def software() -> Software:
    """``SistemaInformatico``: this installation of efactura (producer data from settings)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("efactura")
    except PackageNotFoundError:  # running from a source tree
        release = "0"
    return Software(
        producer_name=settings.EFACTURA_VERIFACTU_PRODUCER_NAME
        or settings.EFACTURA_OPERATOR_NAME
        or "efactura",
        producer_nif=spanish_nif(producer_nif()),
        version=release[:50],
        installation=settings.EFACTURA_VERIFACTU_INSTALLATION or str(settings.EFACTURA_NODE_ID),
    )


def producer_nif() -> str:
    """The producer's NIF for ``SistemaInformatico``.  Outside production an unset NIF becomes
    the AEAT's test NIF (so the demo and the simulator work); production refuses it, here and
    in the system checks (``verifactu.E001``), so no record names a placeholder producer."""
    from efactura.verifactu.checks import PLACEHOLDER_NIF, production_records

    nif = settings.EFACTURA_VERIFACTU_PRODUCER_NIF or PLACEHOLDER_NIF
    if production_records() and spanish_nif(nif) == PLACEHOLDER_NIF:
        raise RecordRefused(
            _(
                "VERI*FACTU records cannot be made in production with the placeholder producer "
                "NIF: set EFACTURA_VERIFACTU_PRODUCER_NIF."
            )
        )
    return nif


def mode_of(company: Company) -> str:
    """The company's mode; VERI*FACTU unless it chose otherwise."""
    row = CompanySettings.objects.filter(company=company).only("mode").first()
    return row.mode if row is not None else Mode.VERIFACTU


def production() -> bool:
    return "www1.agenciatributaria" in settings.EFACTURA_VERIFACTU_ENDPOINT or (
        "www10.agenciatributaria" in settings.EFACTURA_VERIFACTU_ENDPOINT
    )


def do_set_mode(*, company: Company, actor: User | None, mode: str) -> CompanySettings:
    """Choose VERI*FACTU, NO VERI*FACTU or SII exemption for ``company`` (audited)."""
    if mode not in Mode.values:
        raise RecordRefused(_("Unknown VERI*FACTU mode “%s”.") % mode)
    with transaction.atomic():
        before = mode_of(company)
        row, _created = CompanySettings.objects.update_or_create(
            company=company, defaults={"mode": mode}
        )
        # The event log records when the system starts and stops working as NO VERI*FACTU.
        if before != Mode.NO_VERIFACTU and mode == Mode.NO_VERIFACTU:
            do_log_event(company=company, event_type=events.START)
        elif before == Mode.NO_VERIFACTU and mode != Mode.NO_VERIFACTU:
            do_log_event(company=company, event_type=events.END)
        audit(
            action="verifactu.mode.changed",
            actor=actor,
            company=company,
            obj=row,
            data={"mode": mode},
        )
    return row


# ---------------------------------------------------------------------------------------------
# Making records
# ---------------------------------------------------------------------------------------------


def _now() -> dt.datetime:
    """Generation time in Spanish time with its offset (the AEAT checks it within a minute)."""
    return timezone.now().astimezone(MADRID).replace(microsecond=0)


def _link(record: BillingRecord | None) -> ChainLink | None:
    if record is None:
        return None
    return ChainLink(
        issuer_nif=spanish_nif(record.company.tax_id),
        number=record.number,
        issue_date=record.issue_date,
        fingerprint=record.fingerprint,
    )


def _append(
    *,
    company: Company,
    invoice: Invoice,
    kind: str,
    build: Callable[[ChainLink | None, dt.datetime], Registration | Cancellation],
    corrects: BillingRecord | None = None,
) -> BillingRecord:
    """Append one record to ``company``'s chain (caller holds a transaction)."""
    mode = mode_of(company)
    Chain.objects.get_or_create(company=company)
    chain = (
        Chain.objects.select_for_update(of=("self",))
        .select_related("last_record")
        .get(company=company)
    )
    generated = _now()
    last = chain.last_record
    if last is not None:
        # Each record is generated after the one it chains to (art. 7): never go back in time.
        previous_time = dt.datetime.fromisoformat(last.generated_at)
        generated = max(generated, previous_time)
    record = build(_link(last), generated)
    total = amount(record.total) if isinstance(record, Registration) else ""
    element = record.to_element()
    errors = soap.schema_errors(
        message(Taxpayer(nif=record.issuer_nif, name=company.legal_name), [element])
    )
    if errors:
        raise RecordRefused(
            _("The VERI*FACTU record of invoice %(number)s does not follow the AEAT schema: %(e)s")
            % {"number": invoice.full_number, "e": errors[0]}
        )
    verifactu = mode == Mode.VERIFACTU
    xml = etree.tostring(element, encoding="unicode")
    if not verifactu:
        # NO VERI*FACTU: the record is kept signed (XAdES, art. 14); no network involved.
        from einvoice.verifactu.signing import sign_record

        identity = _identity(company)
        xml = sign_record(
            xml.encode("utf-8"),
            key=identity.key,
            certificate=identity.certificate,
            chain=identity.chain,
        ).decode("utf-8")
    row = BillingRecord.objects.create(
        company=company,
        invoice=invoice,
        kind=kind,
        sequence=chain.length + 1,
        number=invoice.full_number,
        issue_date=invoice.issue_date,
        fingerprint=record.fingerprint,
        previous_fingerprint=record.previous.fingerprint if record.previous else "",
        generated_at=generated.isoformat(),
        total=total,
        xml=xml,
        qr_url=(
            qr_url(
                nif=record.issuer_nif,
                number=invoice.full_number,
                issue_date=invoice.issue_date,
                total=total,
                verifactu=verifactu,
                production=production(),
            )
            if kind == Kind.ALTA
            else ""
        ),
        correction=corrects is not None and kind == Kind.ALTA,
        corrects=corrects,
        state=State.PENDING if verifactu else State.KEPT,
    )
    chain.length += 1
    chain.last_record = row
    chain.save(update_fields=["length", "last_record"])
    audit(
        action=f"verifactu.record.{kind}",
        company=company,
        obj=row,
        data={
            "number": row.number,
            "sequence": row.sequence,
            "fingerprint": row.fingerprint,
            "correction": row.correction,
        },
    )
    if verifactu:
        schedule_submission(company_id=company.pk)
    return row


def do_register_issued_invoice(
    *, invoice: Invoice, canonical: em.Invoice, company: Company
) -> BillingRecord | None:
    """Make the alta of an invoice issued on the platform (inside the issuing transaction).

    Returns ``None`` for companies under the SII, which are outside VERI*FACTU
    (RD 1007/2023 art. 3.2)."""
    if mode_of(company) == Mode.SII or not company.tax_id.upper().startswith("ES"):
        # Outside VERI*FACTU: SII companies (RD 1007/2023 art. 3.2), non-Spanish taxpayers.
        return None
    from efactura.invoices.services._common import InvoiceRejected, _violation

    soft = software()

    def build(previous: ChainLink | None, generated: dt.datetime) -> Registration:
        return from_invoice.registration(
            canonical, generated_at=generated, software=soft, previous=previous
        )

    try:
        return _append(company=company, invoice=invoice, kind=Kind.ALTA, build=build)
    except (RecordRefused, ValueError) as exc:
        raise InvoiceRejected(
            [
                _violation(
                    "VF-RECORD",
                    f"The VERI*FACTU billing record cannot be made: {exc}",
                    f"No se puede generar el registro de facturación VERI*FACTU: {exc}",
                )
            ]
        ) from exc


def do_register_cancellation(*, invoice: Invoice) -> BillingRecord | None:
    """Make the anulación of a cancelled invoice that has an alta on this platform."""
    alta = (
        BillingRecord.objects.filter(invoice=invoice, kind=Kind.ALTA).order_by("-sequence").first()
    )
    if alta is None:
        return None
    if BillingRecord.objects.filter(invoice=invoice, kind=Kind.ANULACION).exists():
        return None
    company = alta.company
    # The AEAT never registered the invoice when every alta of it was rejected (art. SWEB §9).
    never_registered = not BillingRecord.objects.filter(
        invoice=invoice,
        kind=Kind.ALTA,
        state__in=[State.PENDING, State.SENDING, State.CORRECT, State.ACCEPTED_WITH_ERRORS],
    ).exists()
    return _append(
        company=company,
        invoice=invoice,
        kind=Kind.ANULACION,
        build=lambda previous, generated: Cancellation(
            issuer_nif=spanish_nif(company.tax_id),
            number=invoice.full_number,
            issue_date=invoice.issue_date,
            generated_at=generated,
            software=software(),
            previous=previous,
            without_prior_record=never_registered and mode_of(company) == Mode.VERIFACTU,
        ),
    )


def do_correct_record(*, record: BillingRecord, actor: User | None) -> BillingRecord:
    """Correct (subsanación) a record the AEAT rejected or accepted with errors: a new record
    for the same invoice, chained at the end; the original is never modified.

    An alta the AEAT rejected goes again with ``Subsanacion=S`` and ``RechazoPrevio=X``; one it
    accepted with errors with ``Subsanacion=S``; a rejected anulación with ``RechazoPrevio=S``
    (AEAT, *Validaciones*, and *remisión voluntaria* §9)."""
    if record.state not in {State.REJECTED, State.ACCEPTED_WITH_ERRORS}:
        raise RecordRefused(
            _("Only records the AEAT rejected or accepted with errors can be corrected.")
        )
    if record.corrections.exists():
        raise RecordRefused(_("This record has already been corrected."))
    invoice = record.invoice
    company = record.company
    rejected = record.state == State.REJECTED
    with transaction.atomic():
        if record.kind == Kind.ALTA:
            from efactura.invoices.mapping import canonical_of

            canonical = canonical_of(invoice)
            soft = software()

            def build(previous: ChainLink | None, generated: dt.datetime) -> Registration:
                return from_invoice.registration(
                    canonical,
                    generated_at=generated,
                    software=soft,
                    previous=previous,
                    correction=True,
                    previous_rejection="X" if rejected else "",
                )

            new = _append(
                company=company,
                invoice=invoice,
                kind=Kind.ALTA,
                build=build,
                corrects=record,
            )
        else:
            new = _append(
                company=company,
                invoice=invoice,
                kind=Kind.ANULACION,
                build=lambda previous, generated: Cancellation(
                    issuer_nif=spanish_nif(company.tax_id),
                    number=invoice.full_number,
                    issue_date=invoice.issue_date,
                    generated_at=generated,
                    software=software(),
                    previous=previous,
                    previous_rejection="S" if rejected else "",
                ),
                corrects=record,
            )
        audit(
            action="verifactu.record.corrected",
            actor=actor,
            company=company,
            obj=new,
            source=Source.WEB if actor else Source.SYSTEM,
            data={"corrects": record.sequence, "sequence": new.sequence},
        )
    return new


# ---------------------------------------------------------------------------------------------
# Submitting
# ---------------------------------------------------------------------------------------------


def schedule_submission(*, company_id: int, when: dt.datetime | None = None) -> None:
    """Enqueue a submission run for ``company_id`` once the surrounding transaction commits
    (deferred to ``when`` when the task backend can defer; otherwise the periodic
    housekeeping run picks it up)."""
    from django.tasks import task_backends

    from efactura.verifactu.tasks import submit_records

    backend = task_backends[submit_records.backend]
    if when is not None and when > timezone.now():
        if not backend.supports_defer:
            return
        transaction.on_commit(
            lambda: submit_records.using(run_after=when).enqueue(company_id=company_id),
            robust=True,
        )
        return
    transaction.on_commit(lambda: submit_records.enqueue(company_id=company_id), robust=True)


class TransportError(Exception):
    """The AEAT (or the simulator) could not be reached or answered nonsense."""


_embedded: object | None = None


def embedded_simulator() -> object:
    """The local AEAT simulator used when ``EFACTURA_VERIFACTU_ENDPOINT=simulator``: its state
    lives in the data folder (shared by the web and worker processes), or in memory when the
    database is an in-memory SQLite (tests)."""
    global _embedded
    from efactura.verifactu.simulator import Simulator

    name = str(connection.settings_dict.get("NAME") or "")
    memory = "memory" in name or name in {"", ":memory:"}
    state_file = (
        None
        if memory
        else Path(settings.DATA_DIR)
        / f"verifactu-simulator-{Path(name).name.replace('.', '_')}.sqlite3"
    )
    if not isinstance(_embedded, Simulator) or _embedded.state_file != state_file:
        _embedded = Simulator(
            wait_seconds=settings.EFACTURA_VERIFACTU_SIMULATOR_WAIT, state_file=state_file
        )
    return _embedded


def _identity(company: Company) -> SigningIdentity:
    """The company's own certificate when it has a usable one, else the platform's seal (the
    AEAT accepts the taxpayer, an apoderado or a colaborador social, error 4112)."""
    from efactura.signing.services import _open_certificate, active_certificate, platform_seal

    certificate = active_certificate(company)
    if certificate is not None and not certificate.is_expired:
        return _open_certificate(certificate)
    return platform_seal()


@contextlib.contextmanager
def _client_tls(company: Company) -> Iterator[ssl.SSLContext]:
    """A TLS context presenting :func:`_identity` as the client certificate."""
    from cryptography.hazmat.primitives import serialization

    identity = _identity(company)
    # The AEAT's servers use public CAs; a CA file may replace them (tests, a private proxy).
    context = ssl.create_default_context(cafile=settings.EFACTURA_VERIFACTU_CA_FILE or None)
    with tempfile.TemporaryDirectory() as folder:
        pem = Path(folder) / "client.pem"
        fd = os.open(pem, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(
                identity.key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            for cert in (identity.certificate, *identity.chain):
                handle.write(cert.public_bytes(serialization.Encoding.PEM))
        context.load_cert_chain(pem)
    yield context


def _post(company: Company, body: bytes) -> soap.Answer:
    endpoint = settings.EFACTURA_VERIFACTU_ENDPOINT
    if endpoint == "simulator":
        from efactura.verifactu.simulator import Simulator

        simulator = embedded_simulator()
        assert isinstance(simulator, Simulator)
        return soap.parse_answer(simulator.handle(body))
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    try:
        if endpoint.startswith("https://"):
            with _client_tls(company) as context:
                response = httpx.post(
                    endpoint, content=body, headers=headers, verify=context, timeout=120
                )
        else:
            response = httpx.post(endpoint, content=body, headers=headers, timeout=120)
    except httpx.HTTPError as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code not in {200, 500}:
        raise TransportError(f"HTTP {response.status_code}")
    try:
        return soap.parse_answer(response.content)
    except EInvoiceError as exc:
        raise TransportError(str(exc)) from exc


def _release_expired(company_id: int, now: dt.datetime) -> int:
    """Submissions whose worker died (lease over): their records wait again.  Sending them
    again is safe: the AEAT answers a record it already has as a duplicate (error 3000 with
    the state it holds), which is taken as that record's answer."""
    with transaction.atomic():
        stale = list(
            Submission.objects.select_for_update()
            .filter(company_id=company_id, state=SubmissionState.SENDING, lease_until__lt=now)
            .values_list("pk", flat=True)
        )
        if not stale:
            return 0
        BillingRecord.objects.filter(submission_id__in=stale, state=State.SENDING).update(
            state=State.PENDING, updated=now
        )
        Submission.objects.filter(pk__in=stale).update(
            state=SubmissionState.ABANDONED, error="worker interrupted; records sent again"
        )
        Chain.objects.filter(company_id=company_id).update(incident=True)
    return len(stale)


def do_submit_pending(*, company_id: int, now: dt.datetime | None = None) -> str:
    """Send the issuer's waiting records to the AEAT, at most 1,000, in chain order, when
    the waiting time the AEAT imposed has passed (or 1,000 records are waiting); record the
    answer per record.  Returns what happened, as a short text."""
    now = now or timezone.now()
    _release_expired(company_id, now)
    lease = dt.timedelta(seconds=settings.EFACTURA_VERIFACTU_LEASE_SECONDS)
    with transaction.atomic():
        chain = Chain.objects.select_for_update().filter(company_id=company_id).first()
        if chain is None:
            return "no records"
        pending = BillingRecord.objects.filter(company_id=company_id, state=State.PENDING)
        waiting = pending.count()
        if not waiting:
            return "nothing to send"
        if BillingRecord.objects.filter(company_id=company_id, state=State.SENDING).exists():
            return "a submission is under way"
        if chain.next_send_after and now < chain.next_send_after and waiting < BATCH:
            schedule_submission(company_id=company_id, when=chain.next_send_after)
            return f"waiting until {chain.next_send_after.isoformat()}"
        batch = list(pending.order_by("sequence")[:BATCH])
        submission = Submission.objects.create(
            company_id=company_id,
            lease_until=now + lease,
            endpoint=settings.EFACTURA_VERIFACTU_ENDPOINT,
            record_count=len(batch),
        )
        BillingRecord.objects.filter(pk__in=[r.pk for r in batch]).update(
            state=State.SENDING, submission=submission, attempts=F("attempts") + 1, updated=now
        )
        incident = chain.incident
        company = Company.objects.get(pk=company_id)
    taxpayer = Taxpayer(nif=spanish_nif(company.tax_id), name=company.legal_name, incident=incident)
    body = soap.envelope(message(taxpayer, [etree.fromstring(r.xml) for r in batch]))
    # The network call: outside any transaction and lock.
    try:
        answer = _post(company, body)
    except TransportError as exc:
        log.warning("VERI*FACTU submission %s failed: %s", submission.pk, exc)
        _failed(submission, str(exc))
        return f"failed: {exc}"
    if answer.is_fault:
        _failed(submission, f"{answer.fault_code}: {answer.fault_text}", raw=answer.raw)
        return f"fault: {answer.fault_code}"
    _apply(submission, answer)
    return f"sent {len(batch)}: {answer.state}"


def _failed(submission: Submission, error: str, *, raw: bytes = b"") -> None:
    """The submission did not reach the AEAT: its records wait again; retry after the
    configured delay (at least hourly after an incident, art. 16.4)."""
    now = timezone.now()
    retry = dt.timedelta(seconds=settings.EFACTURA_VERIFACTU_RETRY_SECONDS)
    with transaction.atomic():
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        if sub.state == SubmissionState.SENDING:
            BillingRecord.objects.filter(submission=sub, state=State.SENDING).update(
                state=State.PENDING, updated=now
            )
        sub.state = SubmissionState.FAILED
        sub.error = error[:2000]
        sub.answer = raw.decode("utf-8", "replace")
        sub.answered = now
        sub.save()
        Chain.objects.filter(company_id=sub.company_id).update(
            incident=True, next_send_after=now + retry
        )
        schedule_submission(company_id=sub.company_id, when=now + retry)


def _apply(submission: Submission, answer: soap.Answer) -> None:
    """Record the AEAT's verdict on each record of ``submission``."""
    now = timezone.now()
    with transaction.atomic():
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        mine = list(BillingRecord.objects.filter(submission=sub, state=State.SENDING))
        by_key: dict[tuple[str, str, str], list[BillingRecord]] = {}
        for rec in sorted(mine, key=lambda r: r.sequence):
            by_key.setdefault((rec.kind, rec.number, date_text(rec.issue_date)), []).append(rec)
        for line in answer.lines:
            kind = Kind.ALTA if line.operation == "Alta" else Kind.ANULACION
            candidates = by_key.get((kind, line.number, line.issue_date))
            if not candidates:
                continue
            rec = candidates.pop(0)
            state = AEAT_STATE.get(line.state, State.REJECTED)
            if line.error_code == "3000" and line.duplicate_state:
                # Sent before (an interrupted submission): the AEAT holds it already.
                state = AEAT_STATE.get(line.duplicate_state, State.REJECTED)
            rec.state = state
            rec.error_code = line.error_code
            rec.error_text = line.error_text[:2000]
            rec.updated = now
            rec.save(update_fields=["state", "error_code", "error_text", "updated"])
        leftovers = [rec.pk for recs in by_key.values() for rec in recs]
        if leftovers:
            BillingRecord.objects.filter(pk__in=leftovers).update(state=State.PENDING, updated=now)
        sub.state = SubmissionState.ANSWERED
        sub.answer_state = answer.state
        sub.csv = answer.csv[:64]
        sub.wait_seconds = answer.wait_seconds
        sub.answer = answer.raw.decode("utf-8", "replace")
        sub.answered = now
        sub.save()
        next_after = now + dt.timedelta(seconds=answer.wait_seconds)
        Chain.objects.filter(company_id=sub.company_id).update(
            wait_seconds=answer.wait_seconds, next_send_after=next_after, incident=False
        )
        audit(
            action="verifactu.submission.answered",
            company=sub.company,
            obj=sub,
            data={"state": answer.state, "records": sub.record_count, "csv": sub.csv},
        )
        if BillingRecord.objects.filter(company_id=sub.company_id, state=State.PENDING).exists():
            schedule_submission(company_id=sub.company_id, when=next_after)


def do_submit_due(*, now: dt.datetime | None = None) -> int:
    """Run :func:`do_submit_pending` for every issuer with waiting or stalled records
    (housekeeping: catches runs lost with a killed worker); returns how many issuers."""
    now = now or timezone.now()
    companies = set(
        BillingRecord.objects.filter(state__in=[State.PENDING, State.SENDING])
        .values_list("company_id", flat=True)
        .distinct()
    )
    for company_id in sorted(companies):
        do_submit_pending(company_id=company_id, now=now)
    return len(companies)


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def export_records(*, company: Company) -> list[tuple[str, bytes]]:
    """``company``'s records in chain order as the AEAT's XML: ``RegFactuSistemaFacturacion``
    files of up to 1,000 records each (the records exactly as made and hashed), for an
    inspection or a requerimiento.  Returns (file name, bytes) pairs."""
    from einvoice.xml import to_bytes

    records = list(BillingRecord.objects.filter(company=company).order_by("sequence"))
    taxpayer = Taxpayer(nif=spanish_nif(company.tax_id), name=company.legal_name)
    if records and mode_of(company) == Mode.NO_VERIFACTU:
        altas, tax, total, anulaciones = _totals(records)
        with transaction.atomic():
            do_log_event(
                company=company,
                event_type=events.EXPORT_RECORDS,
                export=events.Export(
                    start=dt.datetime.fromisoformat(records[0].generated_at),
                    end=dt.datetime.fromisoformat(records[-1].generated_at),
                    first_record=_ref(records[0], taxpayer.nif),
                    last_record=_ref(records[-1], taxpayer.nif),
                    altas=altas,
                    tax_total=tax,
                    total=total,
                    anulaciones=anulaciones,
                ),
            )
    kept_events = list(EventRecord.objects.filter(company=company).order_by("sequence"))
    if kept_events:
        with transaction.atomic():
            do_log_event(
                company=company,
                event_type=events.EXPORT_EVENTS,
                events_export=events.EventExport(
                    start=dt.datetime.fromisoformat(kept_events[0].generated_at),
                    end=dt.datetime.fromisoformat(kept_events[-1].generated_at),
                    first_event=_event_ref(kept_events[0]),
                    last_event=_event_ref(kept_events[-1]),
                    count=len(kept_events),
                ),
            )
    files = []
    for start in range(0, len(records), BATCH):
        chunk = records[start : start + BATCH]
        root = message(taxpayer, [etree.fromstring(r.xml) for r in chunk])
        name = f"{taxpayer.nif}-registros-{chunk[0].sequence:06d}-{chunk[-1].sequence:06d}.xml"
        files.append((name, to_bytes(root)))
    for event in EventRecord.objects.filter(company=company).order_by("sequence"):
        name = f"{taxpayer.nif}-evento-{event.sequence:06d}-{event.event_type}.xml"
        files.append((name, b'<?xml version="1.0" encoding="UTF-8"?>\n' + event.xml.encode()))
    return files


# ---------------------------------------------------------------------------------------------
# Event log (NO VERI*FACTU)
# ---------------------------------------------------------------------------------------------


def do_log_event(
    *,
    company: Company,
    event_type: str,
    other_data: str = "",
    summary: events.Summary | None = None,
    export: events.Export | None = None,
    check: events.CheckRun | None = None,
    anomaly: events.Anomaly | None = None,
    events_export: events.EventExport | None = None,
) -> EventRecord:
    """Append a signed event to ``company``'s event chain (caller holds a transaction)."""
    Chain.objects.get_or_create(company=company)
    chain = (
        Chain.objects.select_for_update(of=("self",))
        .select_related("last_event")
        .get(company=company)
    )
    last = chain.last_event
    generated = _now()
    previous = None
    if last is not None:
        generated = max(generated, dt.datetime.fromisoformat(last.generated_at))
        previous = events.PreviousEvent(
            event_type=last.event_type, generated_at=last.generated_at, fingerprint=last.fingerprint
        )
    event = events.Event(
        software=software(),
        taxpayer_nif=spanish_nif(company.tax_id),
        taxpayer_name=company.legal_name,
        event_type=event_type,
        generated_at=generated,
        previous=previous,
        other_data=other_data,
        summary=summary,
        export=export,
        check=check,
        anomaly=anomaly,
        events_export=events_export,
    )
    from einvoice.verifactu.signing import sign_record

    identity = _identity(company)
    signed = sign_record(
        etree.tostring(event.to_element(), encoding="UTF-8"),
        key=identity.key,
        certificate=identity.certificate,
        chain=identity.chain,
    )
    errors = soap.schema_errors(etree.fromstring(signed), schema_name="EventosSIF.xsd")
    if errors:
        raise RecordRefused(f"event record not schema-valid: {errors[0]}")
    row = EventRecord.objects.create(
        company=company,
        sequence=chain.events_length + 1,
        event_type=event_type,
        fingerprint=event.fingerprint,
        generated_at=generated.isoformat(),
        xml=signed.decode("utf-8"),
    )
    chain.events_length += 1
    chain.last_event = row
    chain.save(update_fields=["events_length", "last_event"])
    audit(
        action="verifactu.event.logged",
        company=company,
        obj=row,
        data={"type": event_type, "sequence": row.sequence},
    )
    return row


def _totals(records: list[BillingRecord]) -> tuple[int, Decimal, Decimal, int]:
    """Altas, sum of their CuotaTotal and ImporteTotal (as written), anulaciones."""
    altas = [r for r in records if r.kind == Kind.ALTA]
    tax = sum(
        (
            Decimal(etree.fromstring(r.xml).findtext(f"{{{NS_SUM1}}}CuotaTotal") or "0")
            for r in altas
        ),
        Decimal("0"),
    )
    total = sum((Decimal(r.total or "0") for r in altas), Decimal("0"))
    return len(altas), tax, total, len(records) - len(altas)


def _event_ref(row: EventRecord) -> events.EventRef:
    return events.EventRef(
        event_type=row.event_type, generated_at=row.generated_at, fingerprint=row.fingerprint
    )


def _ref(record: BillingRecord, nif: str) -> events.RecordRef:
    return events.RecordRef(
        issuer_nif=nif,
        number=record.number,
        issue_date=record.issue_date,
        fingerprint=record.fingerprint,
    )


def do_log_due_summaries(*, now: dt.datetime | None = None) -> int:
    """Log the summary event (type 10) of every NO VERI*FACTU company whose last one is 6
    hours old or more (art. 9): counts of events and records since then.  Returns how many."""
    now = now or timezone.now()
    done = 0
    company_ids = CompanySettings.objects.filter(mode=Mode.NO_VERIFACTU).values_list(
        "company_id", flat=True
    )
    for company in Company.objects.filter(pk__in=list(company_ids)):
        with transaction.atomic():
            Chain.objects.get_or_create(company=company)
            Chain.objects.select_for_update(of=("self",)).get(company=company)
            last_summary = (
                EventRecord.objects.filter(company=company, event_type=events.SUMMARY)
                .order_by("-sequence")
                .first()
            )
            since = last_summary.created if last_summary else None
            first_event = EventRecord.objects.filter(company=company).order_by("sequence").first()
            start = since or (first_event.created if first_event else None)
            if start is None or now - start < events.SUMMARY_EVERY:
                continue
            event_rows = EventRecord.objects.filter(company=company)
            record_rows = BillingRecord.objects.filter(company=company)
            if since is not None:
                event_rows = event_rows.filter(created__gt=since)
                record_rows = record_rows.filter(created__gt=since)
            counts: dict[str, int] = {}
            for event_type in event_rows.values_list("event_type", flat=True):
                counts[event_type] = counts.get(event_type, 0) + 1
            if not counts:  # the schema wants at least one line: no events since the last one
                counts[events.SUMMARY] = 0
            records = list(record_rows.order_by("sequence"))
            altas, tax, total, anulaciones = _totals(records)
            nif = spanish_nif(company.tax_id)
            do_log_event(
                company=company,
                event_type=events.SUMMARY,
                summary=events.Summary(
                    events=counts,
                    first_record=_ref(records[0], nif) if records else None,
                    last_record=_ref(records[-1], nif) if records else None,
                    altas=altas,
                    tax_total=tax,
                    total=total,
                    anulaciones=anulaciones,
                ),
            )
            done += 1
    return done


# ---------------------------------------------------------------------------------------------
# Anomaly detection and backup restores (NO VERI*FACTU event types 03–07)
# ---------------------------------------------------------------------------------------------

MAX_ANOMALY_EVENTS = 100
"""Anomaly events logged per run and kind; the rest are counted in the operators' alert."""


@dataclass(frozen=True)
class IntegrityReport:
    """One anomaly-detection run over a company's billing records and events."""

    company: Company
    records: integrity.Result
    events: integrity.Result

    @property
    def ok(self) -> bool:
        return self.records.ok and self.events.ok


def do_check_integrity(*, company: Company, now: dt.datetime | None = None) -> IntegrityReport:
    """Look for anomalies in ``company``'s records and events (Orden HAC/1177/2024 art. 9) and
    log the run (events 03 and 05) and every anomaly found (04 and 06, up to
    :data:`MAX_ANOMALY_EVENTS` of each); operators are alerted when anything is found.

    The records are read and checked outside any transaction (a whole chain is CPU work);
    only the events are written in one short transaction."""
    now = now or timezone.now()
    record_rows = list(
        BillingRecord.objects.filter(company=company)
        .order_by("sequence")
        .values_list("sequence", "number", "issue_date", "xml")
    )
    event_rows = list(EventRecord.objects.filter(company=company).order_by("sequence"))
    on_records = integrity.check_records([row[3].encode() for row in record_rows], now=now)
    on_events = integrity.check_events([row.xml.encode() for row in event_rows], now=now)
    nif = spanish_nif(company.tax_id)
    with transaction.atomic():
        do_log_event(company=company, event_type=events.CHECK_RECORDS, check=on_records.run)
        for finding in on_records.findings[:MAX_ANOMALY_EVENTS]:
            _sequence, number, issue_date, _xml = record_rows[finding.index]
            ref = events.RecordRef(
                issuer_nif=nif, number=number, issue_date=issue_date, fingerprint=""
            )
            do_log_event(
                company=company,
                event_type=events.ANOMALY_RECORD,
                anomaly=events.Anomaly(code=finding.code, note=finding.note, record=ref),
            )
        do_log_event(company=company, event_type=events.CHECK_EVENTS, check=on_events.run)
        for finding in on_events.findings[:MAX_ANOMALY_EVENTS]:
            anomalous = event_rows[finding.index]
            do_log_event(
                company=company,
                event_type=events.ANOMALY_EVENT,
                anomaly=events.Anomaly(
                    code=finding.code, note=finding.note, event=_event_ref(anomalous)
                ),
            )
        report = IntegrityReport(company=company, records=on_records, events=on_events)
        if not report.ok:
            _alert_anomalies(report, record_rows=record_rows, event_rows=event_rows)
    return report


def _alert_anomalies(
    report: IntegrityReport,
    *,
    record_rows: list[tuple[int, str, dt.date, str]],
    event_rows: list[EventRecord],
) -> None:
    """An audit entry and an email to every active operator (sent after the commit)."""
    from efactura.notifications.tasks import send_email

    lines = [f"VERI*FACTU anomalies found for {report.company} ({report.company.tax_id}):"]
    for finding in report.records.findings:
        sequence, number, _date, _xml = record_rows[finding.index]
        lines.append(f"  billing record #{sequence} ({number}): {finding.code} {finding.note}")
    for finding in report.events.findings:
        row = event_rows[finding.index]
        lines.append(
            f"  event #{row.sequence} (type {row.event_type}): {finding.code} {finding.note}"
        )
    audit(
        action="verifactu.anomalies.found",
        company=report.company,
        data={
            "records": [f.code for f in report.records.findings][:MAX_ANOMALY_EVENTS],
            "events": [f.code for f in report.events.findings][:MAX_ANOMALY_EVENTS],
        },
    )
    recipients = sorted(
        User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
    )
    if recipients:
        text = "\n".join(lines)
        subject = f"VERI*FACTU anomalies: {report.company.tax_id}"
        transaction.on_commit(
            lambda: send_email.enqueue(to=recipients, subject=subject, text=text), robust=True
        )


def no_verifactu_companies() -> list[Company]:
    ids = CompanySettings.objects.filter(mode=Mode.NO_VERIFACTU).values_list(
        "company_id", flat=True
    )
    return list(Company.objects.filter(pk__in=list(ids)).order_by("pk"))


def do_check_integrity_all(*, now: dt.datetime | None = None) -> list[IntegrityReport]:
    """The daily anomaly detection of every NO VERI*FACTU company not checked in the last
    20 hours (so several workers running the daily jobs log one run, not one each)."""
    now = now or timezone.now()
    reports = []
    for company in no_verifactu_companies():
        recent = EventRecord.objects.filter(
            company=company,
            event_type=events.CHECK_RECORDS,
            created__gt=now - dt.timedelta(hours=20),
        ).exists()
        if not recent:
            reports.append(do_check_integrity(company=company, now=now))
    return reports


def do_log_backup_restored(
    *, company: Company, note: str = "", actor: User | None = None
) -> EventRecord:
    """Log that a backup of the system was restored (event 07) for a NO VERI*FACTU company,
    then look for anomalies at once: a restore is when records go missing."""
    if mode_of(company) != Mode.NO_VERIFACTU:
        raise RecordRefused(
            _("%(company)s does not keep an event log: it is not in NO VERI*FACTU mode.")
            % {"company": company}
        )
    with transaction.atomic():
        row = do_log_event(company=company, event_type=events.BACKUP_RESTORED, other_data=note)
        audit(action="verifactu.backup.restored", actor=actor, company=company, obj=row)
    do_check_integrity(company=company)
    return row
