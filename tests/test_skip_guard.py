"""The skip guard (tests/skip_guard.py) fails a run whose module or parametrised test only
skipped, and lets a known, marked hole through while listing it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SOURCE = """
import pytest

@pytest.mark.parametrize("x", [1, 2])
def test_only_skips(x):
    pytest.skip("never runs")

@pytest.mark.parametrize("x", [1, 2])
def test_sometimes_skips(x):
    if x == 1:
        pytest.skip("PostgreSQL only")

@pytest.mark.known_all_skipped(reason="tracked elsewhere")
@pytest.mark.parametrize("x", [1, 2])
def test_known_hole(x):
    pytest.skip("not yet")
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_sample=SOURCE)
    return pytester.runpytest(
        "-p", "skip_guard", "-p", "no:django", "-p", "no:cacheprovider", *args
    )


def test_a_parametrised_test_that_only_skipped_fails_the_run(pytester: pytest.Pytester) -> None:
    result = _run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*test_sample.py::test_only_skips (all 2 cases skipped)*"])
    result.stdout.no_fnmatch_line("*test_sometimes_skips (all*")
    result.stdout.fnmatch_lines(["*test_sample.py::test_known_hole: tracked elsewhere*"])


def test_a_module_that_only_skipped_fails_the_run(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "-k", "only_skips or known_hole")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*test_sample.py (all 4 cases skipped)*"])


def test_skips_beside_running_tests_and_known_holes_pass(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "-k", "sometimes or known_hole")
    assert result.ret == pytest.ExitCode.OK
