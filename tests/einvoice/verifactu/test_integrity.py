"""The pure anomaly checks on records that cannot be read or have impossible dates."""

from __future__ import annotations

import datetime as dt

from einvoice.verifactu import integrity

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def test_an_unreadable_record_is_an_integrity_anomaly() -> None:
    result = integrity.check_records([b"<not-xml"], now=NOW)
    assert [(f.index, f.code) for f in result.findings] == [(0, integrity.INTEGRITY_OTHER)]
    assert result.run.fingerprints == 1 and result.run.signatures == 0


def test_an_unreadable_event_is_an_integrity_anomaly() -> None:
    result = integrity.check_events([b""], now=NOW)
    assert [f.code for f in result.findings] == [integrity.INTEGRITY_OTHER]


def test_dates_going_back_or_into_the_future_are_anomalies() -> None:
    findings: list[integrity.Finding] = []
    earlier = NOW - dt.timedelta(days=1)
    integrity._date_findings(findings, 1, moment=earlier, previous=NOW, now=NOW)
    integrity._date_findings(
        findings, 2, moment=NOW + dt.timedelta(hours=1), previous=None, now=NOW
    )
    integrity._date_findings(findings, 3, moment=None, previous=None, now=NOW)
    assert [f.code for f in findings] == [
        integrity.DATE_BEFORE_PREVIOUS,
        integrity.DATE_IN_FUTURE,
        integrity.DATE_OTHER,
    ]


def test_a_chain_that_starts_twice_or_misses_its_start_is_an_anomaly() -> None:
    findings: list[integrity.Finding] = []
    integrity._chain_findings(findings, 0, first=False, link="AB", previous=None)
    integrity._chain_findings(findings, 3, first=True, link="", previous="CD")
    assert [f.code for f in findings] == [integrity.PREVIOUS_MISSING, integrity.CHAIN_OTHER]
