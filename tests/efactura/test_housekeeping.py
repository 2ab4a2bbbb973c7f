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
