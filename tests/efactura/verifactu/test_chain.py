"""Billing records made on issuing and cancelling: one continuous chain per issuer, submitted
to the (simulated) AEAT in batches, with its waiting time, and corrected when rejected."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from lxml import etree

from efactura.invoices.models import Invoice
from efactura.verifactu import services
from efactura.verifactu.choices import Kind, Mode, State, SubmissionState
from efactura.verifactu.models import BillingRecord, Submission
from efactura.verifactu.simulator import Simulator, start
from einvoice.verifactu import soap
from einvoice.verifactu.records import NS_SUM1, fingerprint, hash_pairs_of

LINT = str(Path(sys.executable).with_name("verifactu-lint"))
"""The independent checker (PyPI verifactu-lint, a development dependency) in this environment."""

pytestmark = pytest.mark.django_db


def assert_one_continuous_chain(company: Any) -> list[BillingRecord]:
    """Positions 1..n without gaps, each record chained to the one before, every fingerprint
    recomputable from the record's own XML."""
    records = list(BillingRecord.objects.filter(company=company).order_by("sequence"))
    assert [r.sequence for r in records] == list(range(1, len(records) + 1))
    previous = ""
    for record in records:
        element = etree.fromstring(record.xml)
        assert record.previous_fingerprint == previous
        chained = element.findtext(
            f"{{{NS_SUM1}}}Encadenamiento/{{{NS_SUM1}}}RegistroAnterior/{{{NS_SUM1}}}Huella"
        )
        assert (chained or "") == previous
        assert fingerprint(hash_pairs_of(element)) == record.fingerprint
        previous = record.fingerprint
    return records


def lint(path: Path) -> dict[str, Any]:
    result = subprocess.run([LINT, "--formato", "json", str(path)], capture_output=True, text=True)
    report: dict[str, Any] = json.loads(result.stdout)
    assert result.returncode == 0, report["hallazgos"]
    return report


def test_fifty_issued_and_two_cancelled_make_one_continuous_chain(
    parties: dict[str, Any], issue: Any, cancel: Any, tmp_path: Path
) -> None:
    invoices = [issue() for _ in range(50)]
    cancel(invoices[10])
    cancel(invoices[42])
    records = assert_one_continuous_chain(parties["seller"])
    assert len(records) == 52
    assert [r.kind for r in records].count(Kind.ANULACION) == 2
    assert records[50].number == invoices[10].full_number
    assert records[51].number == invoices[42].full_number
    assert all(r.state == State.PENDING for r in records)

    # The whole chain goes in one submission (≤ 1,000) and the simulated AEAT accepts it.
    assert services.do_submit_pending(company_id=parties["seller"].pk).startswith("sent 52")
    assert set(BillingRecord.objects.values_list("state", flat=True)) == {State.CORRECT}
    simulated = services.embedded_simulator()
    assert isinstance(simulated, Simulator)
    log = simulated.records("B98765431")
    assert [entry["huella"] for entry in log] == [r.fingerprint for r in records]
    assert {entry["state"] for entry in log} == {"Correcto"}

    # The export is the AEAT's XML: XSD-valid, and the independent checker finds nothing.
    from efactura.cli import main

    assert main(["verifactu", "export", "--company", "B98765431", "--out-dir", str(tmp_path)]) == 0
    (exported,) = tmp_path.glob("*.xml")
    root = etree.fromstring(exported.read_bytes())
    assert soap.schema_errors(root) == []
    report = lint(exported)  # the independent checker (verifactu-lint)
    assert report["registros_analizados"] == 52
    assert report["resumen"]["errores"] == 0


def test_batches_hold_at_most_the_limit_and_go_in_chain_order(
    parties: dict[str, Any], issue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BATCH", 4)
    for _ in range(10):
        issue()
    company_id = parties["seller"].pk
    for _ in range(3):
        services.do_submit_pending(company_id=company_id)
    sizes = list(
        Submission.objects.order_by("created", "pk").values_list("record_count", flat=True)
    )
    assert sizes == [4, 4, 2]
    first = Submission.objects.order_by("created", "pk").first()
    assert first is not None
    assert list(first.records.values_list("sequence", flat=True).order_by("sequence")) == [
        1,
        2,
        3,
        4,
    ]
    assert set(BillingRecord.objects.values_list("state", flat=True)) == {State.CORRECT}


def test_the_aeat_waiting_time_is_respected(
    parties: dict[str, Any], issue: Any, aeat: Simulator
) -> None:
    aeat.wait_seconds = 60
    issue()
    company_id = parties["seller"].pk
    assert services.do_submit_pending(company_id=company_id).startswith("sent 1")
    issue()
    assert services.do_submit_pending(company_id=company_id).startswith("waiting until")
    assert BillingRecord.objects.filter(state=State.PENDING).count() == 1
    later = timezone.now() + dt.timedelta(seconds=61)
    assert services.do_submit_pending(company_id=company_id, now=later).startswith("sent 1")


def test_a_rejected_record_is_corrected_and_accepted_on_resubmission(
    parties: dict[str, Any], issue: Any, settings: Any
) -> None:
    simulator = Simulator(wait_seconds=0, reject_once={"A000002"})
    server, url = start(simulator)
    settings.EFACTURA_VERIFACTU_ENDPOINT = url
    try:
        invoices = [issue() for _ in range(3)]
        assert invoices[1].full_number == "A000002"
        company_id = parties["seller"].pk
        services.do_submit_pending(company_id=company_id)
        rejected = BillingRecord.objects.get(number="A000002")
        assert rejected.state == State.REJECTED and rejected.error_code == "1100"
        assert BillingRecord.objects.filter(state=State.CORRECT).count() == 2

        correction = services.do_correct_record(record=rejected, actor=parties["seller_user"])
        element = etree.fromstring(correction.xml)
        assert element.findtext(f"{{{NS_SUM1}}}Subsanacion") == "S"
        assert element.findtext(f"{{{NS_SUM1}}}RechazoPrevio") == "X"
        assert correction.sequence == 4 and correction.corrects == rejected
        services.do_submit_pending(company_id=company_id)
        correction.refresh_from_db()
        assert correction.state == State.CORRECT
        log = simulator.records("B98765431")
        assert [e["state"] for e in log] == ["Correcto", "Incorrecto", "Correcto", "Correcto"]
        assert log[-1]["correction"] is True
        assert_one_continuous_chain(parties["seller"])
        with pytest.raises(services.RecordRefused):
            services.do_correct_record(record=rejected, actor=None)
    finally:
        server.shutdown()


def test_an_unreachable_aeat_keeps_records_waiting_and_flags_an_incident(
    parties: dict[str, Any], issue: Any, settings: Any
) -> None:
    settings.EFACTURA_VERIFACTU_ENDPOINT = "http://127.0.0.1:9/unreachable"
    issue()
    result = services.do_submit_pending(company_id=parties["seller"].pk)
    assert result.startswith("failed")
    record = BillingRecord.objects.get()
    assert record.state == State.PENDING and record.attempts == 1
    assert Submission.objects.get().state == SubmissionState.FAILED
    # Once reachable again (after the retry delay) the record goes with Incidencia=S.
    settings.EFACTURA_VERIFACTU_ENDPOINT = "simulator"
    later = timezone.now() + dt.timedelta(seconds=settings.EFACTURA_VERIFACTU_RETRY_SECONDS + 1)
    assert services.do_submit_pending(company_id=parties["seller"].pk, now=later).startswith(
        "sent 1"
    )
    record.refresh_from_db()
    assert record.state == State.CORRECT


def test_an_interrupted_submission_is_resent_without_duplicates(
    parties: dict[str, Any], issue: Any
) -> None:
    """A worker that died after the AEAT registered its records: after the lease the records
    are sent again and the AEAT's duplicate answer (3000) settles them as accepted."""
    for _ in range(3):
        issue()
    company_id = parties["seller"].pk
    services.do_submit_pending(company_id=company_id)
    # Pretend the answer was lost: put the records back as the dead worker left them.
    sub = Submission.objects.get()
    Submission.objects.filter(pk=sub.pk).update(
        state=SubmissionState.SENDING, lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    BillingRecord.objects.update(state=State.SENDING, submission=sub)
    services.do_submit_pending(company_id=company_id)
    assert set(BillingRecord.objects.values_list("state", flat=True)) == {State.CORRECT}
    assert Submission.objects.get(pk=sub.pk).state == SubmissionState.ABANDONED
    simulated = services.embedded_simulator()
    assert isinstance(simulated, Simulator)
    assert len(simulated.records("B98765431")) == 3


def test_modes_sii_is_exempt_and_no_verifactu_keeps_records(
    parties: dict[str, Any], issue: Any
) -> None:
    services.do_set_mode(company=parties["seller"], actor=parties["seller_user"], mode=Mode.SII)
    issue()
    assert not BillingRecord.objects.exists()
    services.do_set_mode(
        company=parties["seller"], actor=parties["seller_user"], mode=Mode.NO_VERIFACTU
    )
    invoice = issue()
    record = BillingRecord.objects.get(invoice=invoice)
    assert record.state == State.KEPT
    assert "/ValidarQRNoVerifactu?" in record.qr_url
    # Kept signed (XAdES, AGE policy) and still valid against the official schema.
    from einvoice.verifactu.records import Taxpayer, message
    from einvoice.verifactu.signing import AGE_POLICY, verify_record

    assert verify_record(record.xml.encode("utf-8"))
    assert AGE_POLICY in record.xml
    element = etree.fromstring(record.xml)
    assert fingerprint(hash_pairs_of(element)) == record.fingerprint
    assert soap.schema_errors(message(Taxpayer(nif="B98765431", name="X"), [element])) == []
    tampered = record.xml.replace("<sum1:CuotaTotal>", "<sum1:CuotaTotal>1")
    assert not verify_record(tampered.encode("utf-8"))
    assert services.do_submit_pending(company_id=parties["seller"].pk) == "nothing to send"


def test_corrective_invoice_is_an_r1_record_naming_the_corrected_one(
    parties: dict[str, Any], issue: Any
) -> None:
    from tests.efactura.invoices import helpers as h

    from efactura.invoices import services as invoice_services

    original = issue()
    corrective = invoice_services.do_issue_invoice(
        company=parties["seller"],
        actor=parties["seller_user"],
        draft=h.draft(lines=(("Devolución", "-1", "18.50", "21"),)),
        series_code="R",
        corrects=original,
    )
    element = etree.fromstring(BillingRecord.objects.get(invoice=corrective).xml)
    assert element.findtext(f"{{{NS_SUM1}}}TipoFactura") == "R1"
    assert element.findtext(f"{{{NS_SUM1}}}TipoRectificativa") == "I"
    rectified = element.find(f"{{{NS_SUM1}}}FacturasRectificadas/{{{NS_SUM1}}}IDFacturaRectificada")
    assert rectified is not None
    assert rectified.findtext(f"{{{NS_SUM1}}}NumSerieFactura") == original.full_number


def test_imported_invoices_record_their_origin_instead(parties: dict[str, Any]) -> None:
    from efactura.verifactu.selectors import verifactu_of

    invoice = Invoice(origin="imported_issued", issuer=parties["seller"])
    assert verifactu_of(invoice)["state"] == "external"


def test_no_verifactu_keeps_a_signed_chained_event_log(
    parties: dict[str, Any], issue: Any, tmp_path: Path
) -> None:
    from efactura.verifactu.models import EventRecord
    from einvoice.verifactu.signing import verify_record

    seller = parties["seller"]
    services.do_set_mode(company=seller, actor=parties["seller_user"], mode=Mode.NO_VERIFACTU)
    issue()
    issue()
    later = timezone.now() + dt.timedelta(hours=7)
    assert services.do_log_due_summaries(now=later) == 1
    assert services.do_log_due_summaries() == 0  # the next one is due 6 hours after this one
    from efactura.cli import main

    assert main(["verifactu", "export", "--company", "B98765431", "--out-dir", str(tmp_path)]) == 0
    log = list(EventRecord.objects.filter(company=seller).order_by("sequence"))
    assert [e.event_type for e in log] == ["01", "10", "08", "09"]
    for event in log:
        assert verify_record(event.xml.encode("utf-8"))
        root = etree.fromstring(event.xml)
        assert soap.schema_errors(root, schema_name="EventosSIF.xsd") == []
    summary = etree.fromstring(log[1].xml)
    ns = {
        "sf": "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/EventosSIF.xsd"
    }
    assert summary.findtext(".//sf:NumeroDeRegistrosFacturacionAltaGenerados", namespaces=ns) == "2"
    files = sorted(tmp_path.glob("*.xml"))
    assert len(files) == 5  # the records, and one file per event
    for path in files:  # the independent checker (verifactu-lint)
        assert lint(path)["resumen"]["errores"] == 0


def test_an_invoice_sealed_by_the_platform_names_it_as_the_issuing_third_party(
    parties: dict[str, Any], issue: Any
) -> None:
    invoice = issue()
    element = etree.fromstring(BillingRecord.objects.get(invoice=invoice).xml)
    assert element.findtext(f"{{{NS_SUM1}}}EmitidaPorTerceroODestinatario") == "T"
    third = element.find(f"{{{NS_SUM1}}}Tercero")
    assert third is not None and third.findtext(f"{{{NS_SUM1}}}NIF")
    assert element.findtext(f"{{{NS_SUM1}}}IDFactura/{{{NS_SUM1}}}IDEmisorFactura") == "B98765431"


def test_foreign_issuers_are_outside_verifactu(make_company: Any, make_user: Any) -> None:
    from tests.efactura.invoices import helpers as h

    from efactura.invoices import services as invoice_services

    seller = make_company("Vins de Bordeaux SARL", tax_id="FR40303265045", **h.ADDRESS)
    user = make_user("fr@example.com", seller)
    invoice_services.do_issue_invoice(company=seller, actor=user, draft=h.draft(), series_code="F")
    assert not BillingRecord.objects.exists()


def test_https_submission_presents_the_client_certificate(
    parties: dict[str, Any], issue: Any, settings: Any, tmp_path: Path
) -> None:
    """Mutual TLS as with the AEAT: the simulator over HTTPS requires a client certificate;
    without its own certificate the company is represented by the platform seal."""
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from efactura.signing.services import platform_seal

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AEAT simulator")])
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    server_pem = tmp_path / "server.pem"
    server_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    (tmp_path / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(server_pem)
    tls.verify_mode = ssl.CERT_REQUIRED
    seal = platform_seal().certificate.public_bytes(serialization.Encoding.PEM)
    tls.load_verify_locations(cadata=seal.decode())
    simulator = Simulator(wait_seconds=0)
    server, url = start(simulator, tls=tls)
    settings.EFACTURA_VERIFACTU_ENDPOINT = url
    settings.EFACTURA_VERIFACTU_CA_FILE = str(tmp_path / "ca.pem")
    try:
        issue()
        assert services.do_submit_pending(company_id=parties["seller"].pk).startswith("sent 1")
    finally:
        server.shutdown()
    assert BillingRecord.objects.get().state == State.CORRECT
    assert simulator.client_subjects and "efactura" in simulator.client_subjects[0]
