"""The NO VERI*FACTU event log beyond start, end, exports and summaries: anomaly detection
(events 03–06), backup restores (07), exports of the log itself (09), the company's own
choice of mode, and production refusing a placeholder producer."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from efactura.audit.models import AuditEntry
from efactura.verifactu import checks, services
from efactura.verifactu.choices import Mode
from efactura.verifactu.models import BillingRecord, EventRecord
from einvoice.verifactu import events, soap
from einvoice.verifactu.signing import verify_record

LINT = str(Path(sys.executable).with_name("verifactu-lint"))
NS = {"sf": events.NS_EVT}

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(parties: dict[str, Any], issue: Any) -> Any:
    """A NO VERI*FACTU seller with three issued invoices."""
    seller = parties["seller"]
    services.do_set_mode(company=seller, actor=parties["seller_user"], mode=Mode.NO_VERIFACTU)
    for _ in range(3):
        issue()
    return seller


def types(company: Any) -> list[str]:
    return list(
        EventRecord.objects.filter(company=company)
        .order_by("sequence")
        .values_list("event_type", flat=True)
    )


def assert_valid_events(company: Any, tmp_path: Path) -> None:
    """Every event is schema-valid, signed, and passes the independent checker."""
    for row in EventRecord.objects.filter(company=company):
        assert verify_record(row.xml.encode())
        assert soap.schema_errors(etree.fromstring(row.xml), schema_name="EventosSIF.xsd") == []
        path = tmp_path / f"event-{row.sequence}.xml"
        path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' + row.xml.encode())
        result = subprocess.run(
            [LINT, "--formato", "json", str(path)], capture_output=True, text=True
        )
        report = json.loads(result.stdout)
        assert report["resumen"]["errores"] == 0, report["hallazgos"]


def test_a_clean_chain_logs_both_checks_and_no_anomaly(kept: Any, tmp_path: Path) -> None:
    report = services.do_check_integrity(company=kept)
    assert report.ok
    assert types(kept) == ["01", "03", "05"]
    check = etree.fromstring(EventRecord.objects.get(company=kept, event_type="03").xml)
    assert (
        check.findtext(".//sf:RealizadoProcesoSobreIntegridadHuellasRegFacturacion", namespaces=NS)
        == "S"
    )
    assert (
        check.findtext(
            ".//sf:NumeroDeRegistrosFacturacionProcesadosSobreIntegridadHuellas", namespaces=NS
        )
        == "3"
    )
    assert (
        check.findtext(
            ".//sf:NumeroDeRegistrosFacturacionProcesadosSobreIntegridadFirmas", namespaces=NS
        )
        == "3"
    )
    on_events = etree.fromstring(EventRecord.objects.get(company=kept, event_type="05").xml)
    assert (
        on_events.findtext(
            ".//sf:NumeroDeRegistrosEventoProcesadosSobreTrazabilidadCadena", namespaces=NS
        )
        == "1"
    )
    assert_valid_events(kept, tmp_path)


def test_a_tampered_record_is_found_logged_and_reported(
    kept: Any, parties: dict[str, Any], tmp_path: Path, make_user: Any
) -> None:
    from efactura.accounts.services import do_create_user

    do_create_user(email="operator@example.com", password=None, is_staff=True)
    second = BillingRecord.objects.get(company=kept, sequence=2)
    forged = second.xml.replace("<sum1:ImporteTotal>", "<sum1:ImporteTotal>1")
    assert forged != second.xml
    BillingRecord.objects.filter(pk=second.pk).update(xml=forged)
    third = BillingRecord.objects.get(company=kept, sequence=3)
    unlinked = third.xml.replace(second.fingerprint, "0" * 64)
    BillingRecord.objects.filter(pk=third.pk).update(xml=unlinked)

    report = services.do_check_integrity(company=kept)

    assert not report.ok
    codes = {(f.index, f.code) for f in report.records.findings}
    assert (1, "01") in codes  # the fingerprint no longer matches the fields
    assert (1, "02") in codes  # nor does the signature
    assert (2, "08") in codes  # the third names a previous fingerprint that is not there
    anomalies = EventRecord.objects.filter(company=kept, event_type="04")
    assert anomalies.count() == len(report.records.findings)
    first = etree.fromstring(anomalies.order_by("sequence").first().xml)  # type: ignore[union-attr]
    assert (
        first.findtext(".//sf:RegistroFacturacionAnomalo/sf:NumSerieFactura", namespaces=NS)
        == second.number
    )
    assert AuditEntry.objects.filter(action="verifactu.anomalies.found").exists()
    assert_valid_events(kept, tmp_path)


def test_a_tampered_event_is_found(kept: Any) -> None:
    services.do_log_due_summaries(now=timezone.now() + dt.timedelta(hours=7))
    summary = EventRecord.objects.get(company=kept, event_type="10")
    forged = summary.xml.replace(
        "<sf:NumeroDeRegistrosFacturacionAltaGenerados>3<",
        "<sf:NumeroDeRegistrosFacturacionAltaGenerados>2<",
    )
    assert forged != summary.xml
    EventRecord.objects.filter(pk=summary.pk).update(xml=forged)
    report = services.do_check_integrity(company=kept)
    assert [f.code for f in report.events.findings] == ["02"]  # signed content changed
    anomaly = etree.fromstring(EventRecord.objects.get(company=kept, event_type="06").xml)
    assert anomaly.findtext(".//sf:RegEventoAnomalo/sf:TipoEvento", namespaces=NS) == "10"
    assert (
        anomaly.findtext(".//sf:RegEventoAnomalo/sf:HuellaEvento", namespaces=NS)
        == summary.fingerprint
    )


def test_backup_restored_is_logged_and_followed_by_a_check(kept: Any, capsys: Any) -> None:
    from efactura.cli import main

    code = main(
        ["verifactu", "backup-restored", "--company", kept.tax_id, "--note", "copia 2026-12-01"]
    )
    assert code == 0
    assert types(kept) == ["01", "07", "03", "05"]
    restored = etree.fromstring(EventRecord.objects.get(company=kept, event_type="07").xml)
    assert restored.findtext(".//sf:OtrosDatosEvento", namespaces=NS) == "copia 2026-12-01"
    assert "event 07 logged" in capsys.readouterr().out


def test_backup_restored_refuses_a_verifactu_company(parties: dict[str, Any], capsys: Any) -> None:
    from efactura.cli import main

    code = main(["verifactu", "backup-restored", "--company", parties["seller"].tax_id])
    assert code != 0
    assert "NO VERI*FACTU" in capsys.readouterr().err


def test_check_command_reports_anomalies_with_its_exit_code(kept: Any, capsys: Any) -> None:
    from efactura.cli import main

    assert main(["verifactu", "check"]) == 0
    assert "no anomalies" in capsys.readouterr().out
    record = BillingRecord.objects.get(company=kept, sequence=1)
    BillingRecord.objects.filter(pk=record.pk).update(
        xml=record.xml.replace("<sum1:CuotaTotal>", "<sum1:CuotaTotal>9")
    )
    assert main(["verifactu", "check", "--company", kept.tax_id]) == 1
    assert "ANOMALIES" in capsys.readouterr().out


def test_the_daily_job_checks_once_a_day(kept: Any) -> None:
    from efactura.housekeeping import DAILY_JOBS, run_housekeeping

    assert "verifactu_integrity" in DAILY_JOBS
    run_housekeeping(only=["verifactu_integrity"])
    run_housekeeping(only=["verifactu_integrity"])
    assert types(kept).count("03") == 1
    later = timezone.now() + dt.timedelta(days=1)
    assert len(services.do_check_integrity_all(now=later)) == 1


def test_exporting_logs_the_export_of_records_and_of_events(kept: Any) -> None:
    services.export_records(company=kept)
    assert types(kept) == ["01", "08", "09"]
    export = etree.fromstring(EventRecord.objects.get(company=kept, event_type="09").xml)
    assert export.findtext(".//sf:NumeroDeRegEventoExportados", namespaces=NS) == "2"
    assert (
        export.findtext(".//sf:RegistroEventoInicialPeriodo/sf:TipoEvento", namespaces=NS) == "01"
    )
    assert export.findtext(".//sf:RegistroEventoFinalPeriodo/sf:TipoEvento", namespaces=NS) == "08"


# --- the company chooses its mode -------------------------------------------------------------


def test_an_administrator_chooses_the_mode_and_downloads_the_records(
    client: Any, parties: dict[str, Any], issue: Any
) -> None:
    seller = parties["seller"]
    client.force_login(parties["seller_user"])
    page = client.get(reverse("web:verifactu"))
    assert page.status_code == 200
    assert b"NO VERI*FACTU" in page.content
    response = client.post(reverse("web:verifactu"), {"mode": Mode.NO_VERIFACTU})
    assert response.status_code == 302
    assert services.mode_of(seller) == Mode.NO_VERIFACTU
    assert types(seller) == ["01"]
    issue()
    checked = client.post(reverse("web:verifactu_check"), follow=True)
    assert "Sin anomalías".encode() in checked.content
    download = client.post(reverse("web:verifactu_export"))
    assert download["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert any("registros" in name for name in names)
    assert any(name.endswith("-09.xml") for name in names)
    page = client.get(reverse("web:verifactu"), HTTP_ACCEPT_LANGUAGE="en")
    assert b"Event log exported" in page.content


def test_the_page_speaks_spanish(client: Any, parties: dict[str, Any]) -> None:
    client.force_login(parties["seller_user"])
    page = client.get(reverse("web:verifactu"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Registros de facturación".encode() in page.content


def test_only_administrators_change_the_mode(client: Any, parties: dict[str, Any]) -> None:
    client.force_login(parties["buyer_user"])  # an accountant of the buyer
    response = client.post(reverse("web:verifactu"), {"mode": Mode.SII})
    assert response.status_code == 403
    assert services.mode_of(parties["buyer"]) == Mode.VERIFACTU


def test_an_unknown_mode_is_a_form_error(client: Any, parties: dict[str, Any]) -> None:
    client.force_login(parties["seller_user"])
    response = client.post(reverse("web:verifactu"), {"mode": "whatever"})
    assert response.status_code == 200
    assert services.mode_of(parties["seller"]) == Mode.VERIFACTU


# --- production refuses a placeholder producer ------------------------------------------------


def test_production_refuses_the_placeholder_producer(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.EFACTURA_VERIFACTU_PRODUCER_NIF = ""
    settings.EFACTURA_VERIFACTU_PRODUCER_NAME = ""
    ids = {m.id for m in checks.check_producer()}
    assert ids == {"verifactu.E001", "verifactu.E003"}
    with pytest.raises(services.RecordRefused, match="EFACTURA_VERIFACTU_PRODUCER_NIF"):
        services.software()
    settings.EFACTURA_VERIFACTU_PRODUCER_NIF = "89890001K"
    assert "verifactu.E001" in {m.id for m in checks.check_producer()}
    settings.EFACTURA_VERIFACTU_PRODUCER_NIF = "B58378431"
    settings.EFACTURA_VERIFACTU_PRODUCER_NAME = "Banco Ejemplo SA"
    assert checks.check_producer() == []
    assert services.software().producer_nif == "B58378431"


def test_the_aeat_production_endpoint_alone_also_demands_the_producer(settings: Any) -> None:
    settings.PRODUCTION = False
    settings.EFACTURA_VERIFACTU_PRODUCER_NIF = ""
    settings.EFACTURA_VERIFACTU_ENDPOINT = "https://www1.agenciatributaria.gob.es/wlpl/x"
    assert "verifactu.E001" in {m.id for m in checks.check_producer()}


def test_an_invalid_producer_nif_is_reported_everywhere(settings: Any) -> None:
    settings.PRODUCTION = False
    settings.EFACTURA_VERIFACTU_PRODUCER_NIF = "B12345678"
    assert [m.id for m in checks.check_producer()] == ["verifactu.E002"]


def test_outside_production_the_placeholder_keeps_the_demo_working(settings: Any) -> None:
    settings.PRODUCTION = False
    settings.EFACTURA_VERIFACTU_PRODUCER_NIF = ""
    assert checks.check_producer() == []
    assert services.software().producer_nif == checks.PLACEHOLDER_NIF


def test_production_with_the_simulator_is_a_deploy_warning(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.EFACTURA_VERIFACTU_ENDPOINT = "simulator"
    assert [m.id for m in checks.check_endpoint()] == ["verifactu.W001"]
    settings.EFACTURA_VERIFACTU_ENDPOINT = "https://prewww1.aeat.es/wlpl/x"
    assert checks.check_endpoint() == []
