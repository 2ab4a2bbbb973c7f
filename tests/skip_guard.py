"""No test passes by skipping everything (pytest plugin, loaded by ``tests/conftest.py``).

A skip is honest when it is the exception: a PostgreSQL-only race in a module whose other tests
run on SQLite, one sample a converter refuses for a listed reason.  It is a hole when *every*
case of a test module, or of a parametrised test function, skipped: the feature it guards is
then untested while the run stays green (the way a round trip that can never run hides a
broken reader).  This plugin fails the session in that case and names the culprits.

Known holes that another change is fixing carry ``@pytest.mark.known_all_skipped(reason=...)``
(on the function, or as the module's ``pytestmark``); the mark is listed in the summary so it
is never forgotten, and its removal is part of the fix.

Only what the run selected is judged: ``pytest -k one_test`` judges that one test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pytest

MARK = "known_all_skipped"


@dataclass
class _Group:
    ran: int = 0
    skipped: int = 0
    reasons: set[str] = field(default_factory=set)
    unlisted_skips: int = 0
    """Skipped cases without the allow-list mark: one is enough to make the group a hole."""


class SkipGuard:
    def __init__(self) -> None:
        self.modules: dict[str, _Group] = defaultdict(_Group)
        self.functions: dict[str, _Group] = defaultdict(_Group)
        self.parametrised: set[str] = set()
        self.allowed: dict[str, str] = {}
        self.outcome: dict[str, str] = {}

    # -- collection: remember groups and allow-list marks ---------------------------------

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            mark = item.get_closest_marker(MARK)
            if mark is not None:
                reason = mark.kwargs.get("reason") or (mark.args[0] if mark.args else "")
                if not reason:
                    raise pytest.UsageError(f"{item.nodeid}: @{MARK} needs a reason")
                self.allowed[item.nodeid] = str(reason)
            if getattr(item, "callspec", None) is not None:
                self.parametrised.add(_function_id(item.nodeid))

    # -- results -----------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if hasattr(report, "wasxfail"):
            outcome = "ran"  # an expected failure exercised the code
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "ran"
        else:
            return
        # Setup may skip (then there is no call); the call's own outcome wins otherwise.
        if self.outcome.get(report.nodeid) != "skipped":
            self.outcome[report.nodeid] = outcome

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        for nodeid, outcome in self.outcome.items():
            for groups, key in (
                (self.modules, nodeid.split("::", 1)[0]),
                (self.functions, _function_id(nodeid)),
            ):
                group = groups[key]
                if outcome == "ran":
                    group.ran += 1
                    continue
                group.skipped += 1
                if nodeid in self.allowed:
                    group.reasons.add(self.allowed[nodeid])
                else:
                    group.unlisted_skips += 1
        self.holes = [
            f"{key} (all {group.skipped} cases skipped)"
            for groups, keys in (
                (self.modules, self.modules.keys()),
                (self.functions, self.parametrised),
            )
            for key in sorted(keys)
            if (group := groups[key]).skipped and not group.ran and group.unlisted_skips
        ]
        self.known = sorted(
            f"{key}: {'; '.join(sorted(group.reasons))}"
            for key, group in self.functions.items()
            if group.reasons and not group.ran
        )
        if self.holes and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        holes = getattr(self, "holes", [])
        known = getattr(self, "known", [])
        if known:
            terminalreporter.section("known all-skipped tests (allow-listed)", yellow=True)
            for line in known:
                terminalreporter.line(line)
        if holes:
            terminalreporter.section("tests that only skipped", red=True)
            terminalreporter.line(
                "Every case of these skipped, so they guard nothing; make them run, or mark a "
                f"known, tracked hole with @pytest.mark.{MARK}(reason=...):"
            )
            for line in holes:
                terminalreporter.line(f"  {line}", red=True)


def _function_id(nodeid: str) -> str:
    """``path::Class::test_name`` without the parameter id."""
    return nodeid.split("[", 1)[0]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARK}(reason): a known test whose every case skips today; the reason names the "
        "change that makes it run (see tests/skip_guard.py)",
    )
    if not config.option.collectonly:
        config.pluginmanager.register(SkipGuard(), "skip_guard_session")
