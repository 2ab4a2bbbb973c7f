"""efactura benchmark: prints one table of throughput and latency per operation.

Run: ``.venv/bin/python bench/bench.py [--seconds S] [--only SUBSTRING] [--module NAME]``.

Cases come from ``bench/cases_*.py`` modules; each exposes ``cases() -> list[Case]``.  A case
is measured on one core in this process: it is called repeatedly for about ``--seconds``
(after one warm-up call, which also pays one-time costs such as compiling the official
XSLT), and the table shows operations per second with p50/p99 per call.

A module may also expose ``pairs() -> list[Pair]``: the library doing a job next to the bare
libraries (lxml, saxonche, python-xmlsec) doing the same job.  The two are called in turn,
call after call, and compared by the CPU time of each call, so other work on the machine
does not count; the second table gives the library's speed as a fraction of the bare one
(1.0 = as fast; the target is 0.9).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent))


@dataclass
class Case:
    """One benchmark row: ``fn`` performs ``units`` operations per call (e.g. documents)."""

    group: str
    name: str
    fn: Callable[[], object]
    units: int = 1
    unit: str = "docs"
    setup_note: str = ""
    scenario: Callable[[], list[Row]] | None = None
    """A case that runs a whole scenario once and returns its own rows (e.g. a server under
    load); its module decides whether ``--only`` wants it."""


@dataclass
class Pair:
    """One ratio row: ``library`` and ``bare`` do the same work, one document per call."""

    group: str
    name: str
    library: Callable[[], object]
    bare: Callable[[], object]
    bare_name: str = "bare libraries"
    target: float = 0.9


@dataclass
class PairRow:
    pair: Pair
    library_ms: float
    bare_ms: float

    @property
    def ratio(self) -> float:
        """Library speed relative to the bare libraries (bare time / library time)."""
        return self.bare_ms / self.library_ms if self.library_ms else 0.0


def measure_pair(pair: Pair, seconds: float) -> PairRow:
    """Alternate library and bare calls for about ``seconds``; compare median call times.

    Call times are CPU time of this process (all its threads, Saxon's included), not wall
    time: on a machine shared with other work, waiting for a core would otherwise count.
    """
    pair.library()
    pair.bare()
    library: list[float] = []
    bare: list[float] = []
    start = time.perf_counter()
    while True:
        for fn, samples in ((pair.library, library), (pair.bare, bare)):
            t = time.process_time()
            fn()
            samples.append(time.process_time() - t)
        if time.perf_counter() - start >= seconds and len(library) >= 5:
            break
    return PairRow(pair, statistics.median(library) * 1000, statistics.median(bare) * 1000)


@dataclass
class Row:
    case: Case
    calls: int
    seconds: float
    p50_ms: float
    p99_ms: float
    first_ms: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.calls * self.case.units / self.seconds if self.seconds else 0.0


def measure(case: Case, seconds: float) -> Row:
    t0 = time.perf_counter()
    case.fn()
    first = time.perf_counter() - t0
    samples: list[float] = []
    start = time.perf_counter()
    while True:
        t = time.perf_counter()
        case.fn()
        samples.append(time.perf_counter() - t)
        if time.perf_counter() - start >= seconds and len(samples) >= 3:
            break
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return Row(
        case,
        len(samples),
        sum(samples),
        statistics.median(samples) * 1000,
        p99 * 1000,
        first * 1000,
    )


def add_company_with_key(
    run: Callable[..., str], tax_id: str, name: str, province: str = "Valencia"
) -> str:
    """Register a bench company through the ``efactura`` command ``run`` and return a new API
    key of it (the scenarios that start a real server share this set-up)."""
    run(
        "company",
        "add",
        "--tax-id",
        tax_id,
        "--name",
        name,
        "--email",
        "facturas@example.com",
        "--address",
        "Calle Mayor 1",
        "--postal-code",
        "46001",
        "--city",
        "Valencia",
        "--province",
        province,
    )
    return run("apikey", "create", "--company", tax_id).splitlines()[-1]


def load_cases(module: str = "", only: str = "") -> tuple[list[Case], list[Pair]]:
    """Every module's cases and ratio pairs (or only ``cases_MODULE.py``'s); with ``only``, a
    module that lists its ``GROUPS`` (labels its rows start with) and matches none of them is
    not even set up."""
    out: list[Case] = []
    pairs: list[Pair] = []
    for path in sorted(HERE.glob(f"cases_{module or '*'}.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        groups = getattr(loaded, "GROUPS", None)
        if only and groups is not None and not any(only in group for group in groups):
            continue
        out.extend(loaded.cases())
        pairs.extend(getattr(loaded, "pairs", list)())
    return out, pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per case (default 2)")
    parser.add_argument("--only", default="", help="run cases whose group/name contains this")
    parser.add_argument(
        "--module",
        default="",
        help="load only bench/cases_MODULE.py (others may take long to set up their data)",
    )
    args = parser.parse_args(argv)
    rows = []
    cases, pairs = load_cases(args.module, args.only)
    for case in cases:
        label = f"{case.group} / {case.name}"
        if case.scenario is not None:
            rows.extend(case.scenario())
            continue
        if args.only and args.only not in label:
            continue
        rows.append(measure(case, args.seconds))
        print(f"  measured {label}", file=sys.stderr)
    header = (
        f"{'group':<14} {'operation':<46} {'rate':>12} {'p50 ms':>9} {'p99 ms':>9} {'first ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        rate = f"{r.rate:,.1f} {r.case.unit}/s"
        print(
            f"{r.case.group:<14} {r.case.name:<46} {rate:>12} {r.p50_ms:>9.2f} "
            f"{r.p99_ms:>9.2f} {r.first_ms:>9.1f}" + (f"  {r.note}" if r.note else "")
        )
    pair_rows = []
    for pair in pairs:
        label = f"{pair.group} / {pair.name}"
        if args.only and args.only not in label:
            continue
        pair_rows.append(measure_pair(pair, args.seconds))
        print(f"  measured {label}", file=sys.stderr)
    if pair_rows:
        header = (
            f"{'library ratio':<14} {'operation (vs bare libraries)':<46} {'library ms':>11} "
            f"{'bare ms':>9} {'ratio':>7} {'target':>7}"
        )
        print()
        print(header)
        print("-" * len(header))
        for p in pair_rows:
            print(
                f"{p.pair.group:<14} {p.pair.name:<46} {p.library_ms:>11.2f} {p.bare_ms:>9.2f} "
                f"{p.ratio:>6.2f}x {p.pair.target:>6.2f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
