"""Run the official compiled Schematron artefacts (EN 16931 and Peppol BIS 3) with Saxon.

The artefacts in ``rules/artefacts/`` are the XSLT 2.0 stylesheets the standards bodies
publish (see ``PROVENANCE.md``); their rules are used unchanged, so a document passes here
exactly when it passes the official validators.  They are compiled lean
(:func:`lean_stylesheet`): without the parts of the SVRL report nobody reads here (fired
rules, active patterns) and the attribute walks no rule needs, which takes 15-35 % off a
run and changes no finding (checked over the whole corpus by the tests).  Each
``svrl:failed-assert`` of the report becomes a :class:`~einvoice.errors.Violation` with the
official rule id, its flag as severity, the official English text and our Spanish
translation (:mod:`einvoice.rules.messages_es`; syntax-binding rules through
:mod:`einvoice.rules.syntax_es`).

Performance and safety (numbers in ``bench/cases_validation.py``):

* Compiling a stylesheet costs 0.3-0.5 s, so each is compiled **once per process** with one
  shared processor; each thread runs its own ``clone()`` of the compiled executable and has
  its own XPath processor, since those objects carry per-run state.
* The document reaches Saxon as text (``parse_xml(xml_text=…)``): serialising an lxml tree to
  a string and letting Saxon build its own tree costs ~0.5 ms for a typical invoice, far
  below the 5-10 ms the rules themselves take; going through a file is slower.  The result
  stays a Saxon tree (``transform_to_value``) and failed asserts are pulled out with one
  XPath, which saves serialising and re-parsing the SVRL report (~30 % of the run).
* Saxon has no external access: ``allowedProtocols`` is empty (no ``document()``,
  ``unparsed-text()`` or ``doc()`` to any URI, file or network), stylesheets are compiled from
  text, and its XML parser refuses any DOCTYPE.  Documents have already passed the hardened
  lxml parser anyway.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

from lxml import etree

from einvoice.errors import Layer, RuleViolation, Severity, Violation
from einvoice.rules.messages_es import MESSAGES_ES
from einvoice.rules.syntax_es import syntax_message_es
from einvoice.xml import DEFAULT_MAX_BYTES, parse_bytes


@dataclass(frozen=True, slots=True)
class Artefact:
    """One official validation artefact."""

    key: str
    filename: str
    layer: Layer
    title: str


ARTEFACTS: Final[dict[str, Artefact]] = {
    a.key: a
    for a in (
        Artefact(
            "cen-ubl", "EN16931-UBL-validation.xslt", Layer.EN16931, "CEN EN 16931 UBL 1.3.16"
        ),
        Artefact(
            "cen-cii", "EN16931-CII-validation.xslt", Layer.EN16931, "CEN EN 16931 CII 1.3.16"
        ),
        Artefact(
            "peppol-ubl", "PEPPOL-EN16931-UBL.xslt", Layer.PEPPOL, "Peppol BIS Billing 3.0.21"
        ),
        Artefact(
            "peppol-cen-ubl",
            "CEN-EN16931-UBL.xslt",
            Layer.EN16931,
            "CEN EN 16931 UBL as shipped with Peppol BIS Billing 3.0.21",
        ),
    )
}
"""Artefacts by key, the name callers use."""

_SAXON_SETTINGS: Final = (
    # No URI may be dereferenced by a stylesheet: not the network, not the file system.
    ("http://saxon.sf.net/feature/allowedProtocols", ""),
    # Saxon's own XML parser (used for the document text) refuses DTDs outright.
    (
        "http://saxon.sf.net/feature/parserFeature?"
        "uri=http://apache.org/xml/features/disallow-doctype-decl",
        "true",
    ),
)

# One XPath over the SVRL report: four strings per failed assert.
_FAILED_ASSERTS: Final = (
    "//svrl:failed-assert ! (string(@id), string(@flag), string(@location), "
    "normalize-space(string-join(svrl:text//text(), ' ')))"
)
_TEXT_PREFIX = re.compile(r"^\[[^\]]*\]\s*-\s*")
_STEP = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\]")
_PREFIXES: Final = {
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100": "ram",
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100": "rsm",
    "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100": "udt",
    "urn:un:unece:uncefact:data:standard:QualifiedDataType:100": "qdt",
}


@cache
def _stylesheet_text(filename: str) -> str:
    return (resources.files("einvoice.rules") / "artefacts" / filename).read_text("utf-8")


_XSL: Final = "{http://www.w3.org/1999/XSL/Transform}"
_SVRL: Final = "{http://purl.oclc.org/dsdl/svrl}"


def _outside_predicates(pattern: str) -> str:
    """``pattern`` without its predicates (``[...]``, nested, quotes respected)."""
    out: list[str] = []
    depth = 0
    quote = ""
    for char in pattern:
        if quote:
            if char == quote:
                quote = ""
        elif depth and char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif not depth:
            out.append(char)
    return "".join(out)


def _may_match_attributes(pattern: str) -> bool:
    """Whether an XSLT match pattern may select attribute nodes (conservative: any ``@`` or
    attribute axis outside a predicate counts)."""
    bare = _outside_predicates(pattern)
    return "@" in bare or "attribute" in bare


def _drop(node: etree._Element) -> None:
    parent = node.getparent()
    if parent is not None:
        parent.remove(node)


def lean_stylesheet(text: str) -> tuple[str, dict[str, int]]:
    """The official compiled Schematron without the report parts efactura never reads.

    The ISO Schematron skeleton that produced the artefacts writes, besides the failed
    asserts, one ``svrl:fired-rule`` element for every node a rule fires on and one
    ``svrl:active-pattern`` element per pattern, whose body walks the whole document once
    more in the default mode (producing nothing: text is stripped there).  Each pattern's
    walk also visits every attribute, although no rule of these artefacts has an attribute
    as its context.  This returns the stylesheet with those fired-rule and active-pattern
    elements removed and the pattern walks restricted to elements, each change made only
    where the stylesheet shows it cannot alter a failed assert or a successful report: the
    default mode must hold nothing but the root and text-stripping templates, and a pattern's
    walk skips attributes only when none of its templates (other than the generic
    ``@*|node()`` one) can match an attribute.  The rules, their tests, contexts, priorities,
    flags, texts and locations are untouched; ``tests/einvoice/rules/test_lean_artefacts.py``
    runs both forms over every sample of the corpus and compares what they report.

    Returns the text and how many elements of each kind were changed.
    """
    root = etree.fromstring(text.encode("utf-8"))
    changed = {"fired-rule": 0, "active-pattern": 0, "attribute walks": 0}
    for node in list(root.iter(f"{_SVRL}fired-rule")):
        _drop(node)
        changed["fired-rule"] += 1
    templates = root.findall(f"{_XSL}template")
    default_mode = [t.get("match", "").replace(" ", "") for t in templates if not t.get("mode")]
    if all(match in ("/", "text()") for match in default_mode):
        for node in list(root.iter(f"{_SVRL}active-pattern")):
            _drop(node)
            changed["active-pattern"] += 1
    by_mode: dict[str, list[etree._Element]] = {}
    for template in templates:
        by_mode.setdefault(template.get("mode", ""), []).append(template)
    patterns = {
        node.get("mode", "")
        for node in root.iter(f"{_XSL}apply-templates")
        if node.get("select") == "/" and node.get("mode")
    }
    for mode in patterns:
        matches = [t.get("match", "") for t in by_mode.get(mode, ())]
        if any(_may_match_attributes(m) for m in matches if m.replace(" ", "") != "@*|node()"):
            continue
        for template in by_mode.get(mode, ()):
            for node in template.iter(f"{_XSL}apply-templates"):
                if node.get("mode") == mode and node.get("select", "").replace(" ", "") == "@*|*":
                    node.set("select", "*")
                    changed["attribute walks"] += 1
    return etree.tostring(root, encoding="unicode"), changed


@cache
def _compiled_text(filename: str) -> str:
    """What efactura compiles: the official artefact made lean (see :func:`lean_stylesheet`)."""
    return lean_stylesheet(_stylesheet_text(filename))[0]


class _Compiled:
    """The process-wide Saxon processor and the artefacts compiled with it, once each.

    A ``PySaxonProcessor`` (like Java's ``Processor``) may be shared by threads, and a
    compiled stylesheet is immutable; what a run changes (context item, parameters) lives
    on the ``PyXsltExecutable`` object, so each thread runs its own ``clone()`` of it, which
    costs microseconds instead of a compilation.
    """

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor  # heavy native import: only when rules run

        self.processor: Any = PySaxonProcessor(license=False)
        for name, value in _SAXON_SETTINGS:
            self.processor.set_configuration_property(name, value)
        self.lock = threading.Lock()
        self.executables: dict[str, Any] = {}

    def executable(self, artefact: Artefact) -> Any:
        exe = self.executables.get(artefact.key)
        if exe is None:
            with self.lock:
                exe = self.executables.get(artefact.key)
                if exe is None:
                    compiler = self.processor.new_xslt30_processor()
                    exe = compiler.compile_stylesheet(
                        stylesheet_text=_compiled_text(artefact.filename)
                    )
                    self.executables[artefact.key] = exe
        return exe


_compiled_lock = threading.Lock()
_compiled: _Compiled | None = None


def _shared() -> _Compiled:
    global _compiled
    if _compiled is None:
        with _compiled_lock:
            if _compiled is None:
                _compiled = _Compiled()
    return _compiled


class _Runtime:
    """Saxon objects of one thread: an XPath processor and clones of the compiled artefacts."""

    def __init__(self) -> None:
        self.shared = _shared()
        self.processor: Any = self.shared.processor
        self.xpath: Any = self.processor.new_xpath_processor()
        self.xpath.declare_namespace("svrl", "http://purl.oclc.org/dsdl/svrl")
        self.executables: dict[str, Any] = {}

    def executable(self, artefact: Artefact) -> Any:
        exe = self.executables.get(artefact.key)
        if exe is None:
            exe = self.shared.executable(artefact).clone()
            self.executables[artefact.key] = exe
        return exe


_local = threading.local()


def _runtime() -> _Runtime:
    runtime: _Runtime | None = getattr(_local, "runtime", None)
    if runtime is None:
        runtime = _Runtime()
        _local.runtime = runtime
    return runtime


def warm_up(*keys: str) -> None:
    """Compile the given artefacts (all when none given) in this thread ahead of use."""
    runtime = _runtime()
    for key in keys or tuple(ARTEFACTS):
        runtime.executable(ARTEFACTS[key])


def short_location(location: str) -> str:
    """Turn Saxon's namespace-explicit path into a readable one (``/Invoice/cac:TaxTotal[1]``)."""

    def step(match: re.Match[str]) -> str:
        prefix = _PREFIXES.get(match.group(2), "")
        return f"{prefix}:{match.group(1)}" if prefix else match.group(1)

    return _STEP.sub(step, location)


def _lxml_xpath(location: str) -> str:
    """Saxon's path rewritten in XPath 1.0 so lxml can find the element (for line numbers)."""
    return _STEP.sub(
        lambda m: f"*[local-name()='{m.group(1)}' and namespace-uri()='{m.group(2)}']", location
    )


def _line_of(tree: etree._ElementTree, location: str) -> int | None:
    if not location.startswith("/"):
        return None
    try:
        found = tree.xpath(_lxml_xpath(location))
    except etree.XPathError:
        return None
    if isinstance(found, list) and found:
        first: object = found[0]
        if not isinstance(first, etree._Element):
            # An attribute or text result: report the line of the element holding it.
            parent = getattr(first, "getparent", None)
            first = parent() if callable(parent) else None
        if isinstance(first, etree._Element):
            line: object = first.sourceline
            return line if isinstance(line, int) else None
    return None


def _as_text(
    xml: str | bytes | etree._ElementTree | etree._Element,
) -> tuple[str, etree._ElementTree | None]:
    """The document as text for Saxon, plus an lxml tree for line numbers (none for text)."""
    if isinstance(xml, str):
        return xml, None
    if isinstance(xml, bytes):
        tree = parse_bytes(xml, max_bytes=max(DEFAULT_MAX_BYTES, len(xml)))
    elif isinstance(xml, etree._Element):
        tree = xml.getroottree()
    else:
        tree = xml
    return etree.tostring(tree, encoding="unicode"), tree


def check(
    xml: str | bytes | etree._ElementTree | etree._Element,
    artefact: str,
    *,
    lines: bool = True,
) -> list[Violation]:
    """Run one official artefact on a document; one :class:`Violation` per failed assert.

    ``xml`` is raw bytes (parsed with the hardened parser first), an already parsed lxml
    tree (cheaper: no second parse), or the text of a document this library rendered itself
    (cheapest: only Saxon parses it; no line numbers then).  ``artefact`` is a key of
    :data:`ARTEFACTS`.  With ``lines`` each violation also gets the source line of the
    element it is about.  Raises
    ``KeyError`` for an unknown artefact and :class:`~einvoice.errors.ParseError` for bytes
    that are not safe XML; a failure inside Saxon is reported as a fatal ``RULES-ERROR``
    violation rather than an exception.
    """
    return check_all(xml, (artefact,), lines=lines)


def check_all(
    xml: str | bytes | etree._ElementTree | etree._Element,
    artefacts: tuple[str, ...],
    *,
    lines: bool = True,
) -> list[Violation]:
    """:func:`check` with several artefacts in turn on one Saxon copy of the document (a
    Peppol invoice meets the CEN and the Peppol rules: Saxon parses it once, not twice)."""
    specs = [ARTEFACTS[key] for key in artefacts]
    if not specs:
        return []
    text, tree = _as_text(xml)
    runtime = _runtime()
    from saxonche import PySaxonApiError

    out: list[Violation] = []
    document: Any = None
    for spec in specs:
        executable = runtime.executable(spec)
        try:
            if document is None:
                document = runtime.processor.parse_xml(xml_text=text)
            result = executable.transform_to_value(xdm_node=document)
            runtime.xpath.set_context(xdm_item=result.head)
            found = runtime.xpath.evaluate(_FAILED_ASSERTS)
        except PySaxonApiError as exc:
            detail = " ".join(str(exc).split())[:300]
            out.append(
                Violation(
                    rule="RULES-ERROR",
                    message=f"The official {spec.title} rules could not be evaluated: {detail}",
                    message_es=(
                        f"No se pudieron evaluar las reglas oficiales {spec.title}: {detail}"
                    ),
                    layer=spec.layer,
                )
            )
            continue
        if found is None:
            continue
        values = [found.item_at(i).string_value for i in range(found.size)]
        for i in range(0, len(values) - 3, 4):
            rule, flag, location, message = values[i : i + 4]
            message = _TEXT_PREFIX.sub("", " ".join(message.split()))
            out.append(
                Violation(
                    rule=rule,
                    message=message,
                    message_es=MESSAGES_ES.get(rule) or syntax_message_es(rule, message),
                    severity=Severity.FATAL if flag == "fatal" else Severity.WARNING,
                    layer=spec.layer,
                    location=short_location(location),
                    line=_line_of(tree, location) if lines and tree is not None else None,
                )
            )
    return out


def check_or_raise(xml: bytes | etree._ElementTree | etree._Element, artefact: str) -> None:
    """Like :func:`check` but raise :class:`~einvoice.errors.RuleViolation` on any fatal."""
    violations = check(xml, artefact)
    fatal = [v for v in violations if v.is_fatal]
    if fatal:
        raise RuleViolation(fatal)


__all__ = [
    "ARTEFACTS",
    "Artefact",
    "check",
    "check_all",
    "check_or_raise",
    "short_location",
    "warm_up",
]
