"""Mutation fuzzing of the reference corpus through validation and every conversion.

Hypothesis draws a corpus sample (Facturae, UBL, CII, Peppol) and a few mutations of its tree
(an element's text replaced by a hostile value, an element removed or repeated, an attribute
changed) or of its bytes (cut, spliced, flipped).  Each input goes through the whole inbound
pipeline (:func:`einvoice.validation.validate`: XML, detection, schema, parse, Spanish
rules), and what it yields is rendered to Facturae (the whole file), UBL and CII (its first
invoice).

What must hold for every input (issue: "crashes on extreme input"):

* nothing but the documented error types (:class:`~einvoice.errors.EInvoiceError` and its
  subclasses) escapes any of these entry points;
* validation never reports an ``INTERNAL`` finding (a step that failed unexpectedly);
* no input takes more than 5 seconds (Hypothesis' ``deadline``).

The run is bounded: :data:`EXAMPLES` inputs split over four tests (20,000 by default, a few
minutes on two cores).  ``EFACTURA_FUZZ_EXAMPLES`` scales it up for a longer hunt.  Every
crash class found this way is a regression test with its reproducer in
``tests/einvoice/test_extreme_input.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from tests.corpus import CORPUS, samples

from einvoice import formats
from einvoice.errors import EInvoiceError
from einvoice.validation import validate

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("EFACTURA_FUZZ_EXAMPLES", "20000"))
"""Inputs over the whole module (each of the four tests runs a quarter)."""

_SETTINGS = settings(
    max_examples=max(1, EXAMPLES // 4),
    deadline=dt.timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

HOSTILE = (
    # numbers: exponents, huge, tiny, long, signs, special values, separators
    "1E+999999",
    "-1E+999999",
    "1e-999999",
    "1E3",
    "1" * 50,
    "9" * 16,
    "99999999999999.99",
    "0." + "0" * 60 + "1",
    "1." + "0" * 400,
    "-0",
    "-0.00",
    "+5",
    ".5",
    "5.",
    "0",
    "-1",
    "NaN",
    "Infinity",
    "1,234.56",
    "1.234,56",
    "0x10",
    "١٢٣",
    # dates
    "0001-01-01",
    "0999-12-31",
    "9999-12-31",
    "2024-02-30",
    "2024-13-01",
    "00010101",
    "09991231",
    "99991231",
    "20240230",
    "2024-01-01T10:00:00",
    # codes the readers switch on
    "380",
    "381",
    "383",
    "384",
    "389",
    "326",
    "751",
    "S",
    "Z",
    "E",
    "AE",
    "K",
    "G",
    "O",
    "L",
    "M",
    "XXX",
    "JPY",
    "KWD",
    "EUR",
    "ES",
    "ESP",
    "FC",
    "FA",
    "AF",
    "OO",
    "CO",
    "01",
    "02",
    "04",
    "05",
    "true",
    "false",
    "maybe",
    # text
    "",
    " ",
    "\t\n",
    "x" * 5000,
    "Ñandú & <ñ>",
    "{efactura:WH tax=04 rate=1E%2B999999 base=1 amount=1}",
    "{efactura:WH tax=99 rate=15 base=100 amount=15}",
    "{efactura:LINE wh=04/1E999999/1/1}",
    "{efactura:PAY means=}",
    "#AAI#",
)

_SAFE_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
    ),
    max_size=30,
)
_VALUE = st.one_of(st.sampled_from(HOSTILE), _SAFE_TEXT)

_GROUPS = {
    "facturae": ("facturae/samples",),
    "ubl": ("ubl/samples", "peppol/samples"),
    "cii": ("cii/samples",),
}


@cache
def _sources(group: str) -> tuple[tuple[str, bytes], ...]:
    found = []
    for folder in _GROUPS[group]:
        for path in samples(*folder.split("/")):
            data = path.read_bytes()
            try:
                etree.fromstring(data)
            except etree.XMLSyntaxError:
                continue  # deliberately malformed samples are still used by the byte fuzzer
            found.append((str(path.relative_to(CORPUS)), data))
    return tuple(found)


@cache
def _all_sources() -> tuple[tuple[str, bytes], ...]:
    return tuple(item for group in _GROUPS for item in _sources(group))


def _mutate_tree(data: bytes, ops: list[tuple[int, int, str]]) -> bytes:
    root = etree.fromstring(data)
    for where, kind, value in ops:
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        element = elements[where % len(elements)]
        parent = element.getparent()
        if kind == 0 or kind == 1:  # replace the text of a leaf (most interesting values)
            if len(element) == 0:
                element.text = value
            else:
                leaves = [e for e in element.iter() if isinstance(e.tag, str) and len(e) == 0]
                leaves[where % len(leaves)].text = value
        elif kind == 2 and parent is not None:  # remove the element
            parent.remove(element)
        elif kind == 3 and parent is not None:  # repeat it
            parent.insert(parent.index(element), copy.deepcopy(element))
        elif kind == 4 and element.attrib:  # change an attribute
            names = sorted(element.attrib)
            element.set(names[where % len(names)], value)
        elif kind == 5:  # empty it
            for child in list(element):
                element.remove(child)
            element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _mutate_bytes(data: bytes, ops: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for where, kind, chunk in ops:
        at = where % (len(out) + 1)
        if kind == 0:
            del out[at : at + len(chunk) + 1]
        elif kind == 1:
            out[at:at] = chunk
        elif kind == 2 and at < len(out):
            out[at] ^= 0xFF
        else:
            out = out[:at]
    return bytes(out)


def _tree_ops() -> st.SearchStrategy[list[tuple[int, int, str]]]:
    op = st.tuples(st.integers(0, 10**6), st.integers(0, 5), _VALUE)
    return st.lists(op, min_size=1, max_size=4)


def _check_everything(data: bytes) -> None:
    """The property: documented errors only, no INTERNAL finding, every conversion tried."""
    report = validate(data, filename="fuzz.xml", official=False)
    internal = [v for v in report.all_violations() if v.rule == "INTERNAL"]
    assert not internal, internal
    document = report.document
    if document is None:
        return
    for target in ("facturae", "ubl", "cii"):
        # Facturae carries the whole batch; UBL and CII one invoice each (the first).
        batch = list(document.invoices) if target == "facturae" else list(document.invoices[:1])
        if not batch:
            continue
        try:
            formats.render(target, batch)
        except EInvoiceError as exc:
            assert all(v.rule != "INTERNAL" for v in exc.violations), exc.violations


def _tree_fuzzer(group: str) -> Callable[[], None]:
    @_SETTINGS
    @given(index=st.integers(0, 10**6), ops=_tree_ops())
    def run(index: int, ops: list[tuple[int, int, str]]) -> None:
        sources = _sources(group)
        if not sources:
            pytest.skip(f"no {group} samples in the corpus at {CORPUS}")
        _name, data = sources[index % len(sources)]
        _check_everything(_mutate_tree(data, ops))

    return run


test_fuzz_facturae = _tree_fuzzer("facturae")
test_fuzz_ubl = _tree_fuzzer("ubl")
test_fuzz_cii = _tree_fuzzer("cii")


@_SETTINGS
@given(
    index=st.integers(0, 10**6),
    ops=st.lists(
        st.tuples(
            st.integers(0, 10**7),
            st.integers(0, 3),
            st.one_of(
                st.binary(max_size=16),
                st.sampled_from(
                    [b"<!DOCTYPE x>", b"&amp;", b"\xef\xbb\xbf", b"\x00", b"</", b"]]>"]
                ),
            ),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_fuzz_bytes(index: int, ops: list[tuple[int, int, bytes]]) -> None:
    sources = _all_sources()
    if not sources:
        pytest.skip(f"no samples in the corpus at {CORPUS}")
    _name, data = sources[index % len(sources)]
    _check_everything(_mutate_bytes(data, ops))
