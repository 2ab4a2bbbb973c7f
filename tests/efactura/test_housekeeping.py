"""Periodic housekeeping: every job runs, a failing job is reported and does not stop others."""

from __future__ import annotations

import pytest

from efactura import housekeeping


@pytest.mark.django_db
def test_every_job_runs_and_reports_its_result() -> None:
    results = housekeeping.run_housekeeping()
    assert set(results) == set(housekeeping.JOBS)
    assert not any(value.startswith("error:") for value in results.values()), results


@pytest.mark.django_db
def test_a_failing_job_is_reported_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("mail server unreachable")

    def fine() -> int:
        ran.append("fine")
        return 3

    monkeypatch.setattr(housekeeping, "JOBS", {"broken": broken, "fine": fine})
    results = housekeeping.run_housekeeping()
    assert results == {"broken": "error: mail server unreachable", "fine": "3"}
    assert ran == ["fine"]


def test_one_registry_holds_every_periodic_job() -> None:
    """Certificate expiry, lost emails, webhook retries and the archive check all live in the
    registry the worker and ``efactura housekeeping`` run (no job only a cron entry runs)."""
    assert {
        "certificate_expiry_warnings",
        "certificate_check",
        "email_requeue",
        "webhook_retries",
        "as4_requeue",
        "archive_verify",
        "idempotency_purge",
    } <= set(housekeeping.JOBS)
    assert set(housekeeping.JOBS) >= housekeeping.DAILY_JOBS


@pytest.mark.django_db
def test_run_housekeeping_can_run_some_jobs_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(housekeeping, "JOBS", {"a": lambda: 1, "b": lambda: 2})
    assert housekeeping.run_housekeeping(only=["b"]) == {"b": "2"}
    with pytest.raises(ValueError, match="Unknown housekeeping jobs"):
        housekeeping.run_housekeeping(only=["c"])
