"""The one hardened XML parser of the project, and small lxml helpers.

Invoices arrive from strangers.  Parsing must never fetch anything from the network, expand
entities, read a DTD or build an unbounded tree, and a hostile document must produce a clear
:class:`~einvoice.errors.ParseError`, never a crash or a hang.  No e-invoice format uses a
DOCTYPE, so any document that declares one is refused outright (this also defeats XXE and
"billion laughs" before libxml2 sees the entities).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Final

from lxml import etree

from einvoice.errors import ParseError

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
"""Default size cap for one document (10 MB); callers may pass their own."""

DEFAULT_MAX_ELEMENTS: Final = 250_000
"""Default cap on the number of elements of one document.  A 10 MB Facturae batch of real
invoices holds about 150,000; a 9 MB UBL of 900,000 empty elements took a web process from
140 MB to 700 MB before this cap.  Counted while parsing, so the tree never grows past it."""

_CHUNK: Final = 64 * 1024

# XML requires these keywords in upper case; look for them in every encoding a document may
# legally use (UTF-8 and ASCII-compatible ones, UTF-16 and UTF-32 in both byte orders), anywhere
# in the file (a DOCTYPE may follow a long comment or processing instruction).
_DECLARATIONS: Final = tuple(
    keyword.encode(encoding)
    for keyword in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


class _RefuseResolver(etree.Resolver):
    """Answers every attempt to load an external resource with nothing."""

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def,override]
        return self.resolve_string("", context)  # type: ignore[call-arg]


_PARSER_OPTIONS: Final = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": False,
    "collect_ids": False,
}


def _counted_parse(data: bytes, max_elements: int, where: str) -> etree._Element:
    """Parse ``data`` with a pull parser, stopping as soon as it opens too many elements."""
    parser = etree.XMLPullParser(events=("start",), **_PARSER_OPTIONS)  # type: ignore[arg-type]
    parser.resolvers.add(_RefuseResolver())
    count = 0
    for offset in range(0, len(data), _CHUNK):
        parser.feed(data[offset : offset + _CHUNK])
        count += sum(1 for _ in parser.read_events())
        if count > max_elements:
            raise ParseError.single(
                "XML-ELEMENTS",
                f"The file{where} holds more than {max_elements:,} XML elements, more than any "
                "invoice needs; it was refused to protect the platform.",
                f"El fichero{where} contiene más de {max_elements:,} elementos XML, más de los "
                "que necesita una factura; se ha rechazado para proteger la plataforma.",
            )
    root: etree._Element = parser.close()
    return root


_MARKUP_FIRST: Final = re.compile(rb"[ \t\r\n\xef\xbb\xbf\xfe\xff\x00]*<")


def _looks_ascii_compatible(data: bytes) -> bool:
    """Whether counting ``<`` bytes bounds the number of elements (UTF-8, ASCII, Latin-n,
    and UTF-16/32, where every ``<`` still holds a 0x3C byte)."""
    return _MARKUP_FIRST.match(data) is not None


def _declares_dtd(data: bytes) -> bool:
    """Whether ``data`` holds ``<!DOCTYPE`` or ``<!ENTITY`` in any encoding :data:`_DECLARATIONS`
    lists.  Each of them holds a ``!`` byte (0x21 in all those encodings); most invoices have
    none at all (no comment, no CDATA), which one scan shows."""
    return b"!" in data and any(marker in data for marker in _DECLARATIONS)


def _new_parser(*, refuse_external: bool = True) -> etree.XMLParser:
    parser = etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]
    if refuse_external:
        parser.resolvers.add(_RefuseResolver())
    return parser


def parse_bytes(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    filename: str = "",
) -> etree._ElementTree:
    """Parse ``data`` safely and return the tree.

    Raises :class:`ParseError` with rule ``XML-SIZE`` (too large), ``XML-ELEMENTS`` (more
    than ``max_elements`` elements), ``XML-EMPTY``, ``XML-DTD`` (DOCTYPE or entity
    declarations) or ``XML-MALFORMED`` (with the line).
    """
    where = f" ({filename})" if filename else ""
    if not data or data.isspace():
        raise ParseError.single(
            "XML-EMPTY",
            f"The file{where} is empty.",
            f"El fichero{where} está vacío.",
        )
    if len(data) > max_bytes:
        raise ParseError.single(
            "XML-SIZE",
            f"The file{where} is {len(data):,} bytes; the limit is {max_bytes:,} bytes.",
            f"El fichero{where} ocupa {len(data):,} bytes; el límite es {max_bytes:,} bytes.",
        )
    if _declares_dtd(data):
        raise _dtd_refused(where)
    try:
        if (len(data) <= max_elements or data.count(b"<") <= max_elements) and (
            _looks_ascii_compatible(data)
        ):
            # Fewer "<" than the cap (a file shorter than the cap has fewer): the element
            # count cannot exceed it (fast path).
            # A fresh parser per call keeps error logs separate between threads.
            root = etree.fromstring(data, parser=_new_parser())
        else:
            root = _counted_parse(data, max_elements, where)
        tree = etree.ElementTree(root)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise ParseError.single(
            "XML-MALFORMED",
            f"The file{where} is not well-formed XML: {exc.msg}.",
            f"El fichero{where} no es XML bien formado: {exc.msg}.",
            line=line,
        ) from exc
    except ValueError as exc:  # e.g. unicode strings with encoding declaration
        raise ParseError.single(
            "XML-MALFORMED",
            f"The file{where} could not be read as XML: {exc}.",
            f"El fichero{where} no se pudo leer como XML: {exc}.",
        ) from exc
    if getattr(tree.docinfo, "doctype", "") or tree.docinfo.internalDTD is not None:
        # Belt and braces: an encoding the byte scan above does not know.
        raise _dtd_refused(where)
    return tree


def _dtd_refused(where: str) -> ParseError:
    return ParseError.single(
        "XML-DTD",
        f"The file{where} declares a DOCTYPE or entities, which e-invoices never use; "
        "it was refused for safety.",
        f"El fichero{where} declara un DOCTYPE o entidades, que las facturas electrónicas "
        "no usan; se ha rechazado por seguridad.",
    )


def localname(element: etree._Element) -> str:
    """The element's name without its namespace."""
    return etree.QName(element).localname


def namespace(element: etree._Element) -> str:
    """The element's namespace URI ('' when none)."""
    return etree.QName(element).namespace or ""


def to_bytes(root: etree._Element | etree._ElementTree, *, pretty: bool = True) -> bytes:
    """Serialise with an XML declaration in UTF-8."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty)


def safe_parser() -> etree.XMLParser:
    """A hardened parser for our own vendored files (schemas): no network, no entities, but
    relative imports between the vendored schema files still resolve."""
    return _new_parser(refuse_external=False)


# --- child paths -----------------------------------------------------------------------------
#
# The readers look elements up by short child paths (``Parties/SellerParty/TaxIdentification``).
# ``Element.find`` compiles each path with ElementPath and keeps only about 100 compiled paths
# per process; a Facturae or CII reader uses more distinct paths than that, so the cache was
# cleared and every path compiled again for every document (about half of a Facturae parse).
# A path made only of child steps is split into tags once (kept for good: the paths are
# literals in the code) and walked with ``iterchildren``, which matches tags in C.


@lru_cache(maxsize=4096)
def _child_steps(path: str) -> tuple[str, ...] | None:
    """The tags of a path of plain child steps (``A/B``, ``{ns}A/*``); ``None`` for anything
    ElementPath must handle (predicates, ``.``, ``..``, ``//``, attributes)."""
    steps = tuple(path.split("/")) if "}" not in path else _clark_steps(path)
    if not steps or any(not step or step[0] in ".@[" or "[" in step for step in steps):
        return None
    return steps


def _clark_steps(path: str) -> tuple[str, ...]:
    """Split a path whose tags may carry ``{namespace}`` parts (URIs contain ``/``)."""
    steps: list[str] = []
    current = ""
    depth = 0
    for char in path:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == "/" and depth == 0:
            steps.append(current)
            current = ""
        else:
            current += char
    steps.append(current)
    return tuple(steps)


def iterpath(element: etree._Element, path: str) -> Iterator[etree._Element]:
    """Elements at ``path`` below ``element`` in document order, as ``iterfind`` gives them."""
    steps = _steps(path)
    if steps is None:
        yield from element.iterfind(path)
        return
    yield from _walk(element, steps, 0)


def _walk(element: etree._Element, steps: tuple[str, ...], index: int) -> Iterator[etree._Element]:
    tag = steps[index]
    if index == len(steps) - 1:
        yield from element.iterchildren(tag)
        return
    for child in element.iterchildren(tag):
        yield from _walk(child, steps, index + 1)


def _steps(path: str) -> tuple[str, ...] | None:
    """:func:`_child_steps` through a plain dictionary (cheaper than the LRU wrapper on the
    hot path; the keys are the code's literal paths, a bounded set)."""
    try:
        return _STEPS[path]
    except KeyError:
        steps = _child_steps(path)
        if len(_STEPS) < 4096:
            _STEPS[path] = steps
        return steps


_STEPS: dict[str, tuple[str, ...] | None] = {}


class _Index(threading.local):
    """The children of each element by tag, while a reader maps one tree (per thread)."""

    children: dict[int, tuple[etree._Element, dict[object, list[etree._Element]]]] | None = None


_index = _Index()


@contextmanager
def indexed_lookups() -> Iterator[None]:
    """While a reader maps one tree: answer :func:`find`, :func:`findall` and
    :func:`children` from an index of each element's children, made on its first lookup.

    ``iterchildren(tag)`` costs about as much as listing a small element's children, and a
    reader looks up dozens of optional elements under the root, a party or a line; with the
    index each further lookup is two dictionary reads.  The index keeps the elements it saw
    alive (so ``id`` stays theirs) and is dropped when the block ends; the tree must not
    change inside it (readers only read).
    """
    previous = _index.children
    _index.children = {}
    try:
        yield
    finally:
        _index.children = previous


def _kids(
    index: dict[int, tuple[etree._Element, dict[object, list[etree._Element]]]],
    node: etree._Element,
) -> dict[object, list[etree._Element]]:
    entry = index.get(id(node))
    if entry is None:
        entry = index[id(node)] = (node, _by_tag(node))
    return entry[1]


def _by_tag(node: etree._Element) -> dict[object, list[etree._Element]]:
    kids: dict[object, list[etree._Element]] = {}
    for child in node.iterchildren():
        found = kids.get(child.tag)
        if found is None:
            kids[child.tag] = [child]
        else:
            found.append(child)
    return kids


def children(element: etree._Element, steps: tuple[str, ...]) -> list[etree._Element]:
    """Every element at the plain child ``steps`` (Clark tags, no wildcard) below
    ``element``, in document order."""
    index = _index.children
    if index is None:
        if len(steps) == 1:
            return list(element.iterchildren(steps[0]))
        return list(_walk(element, steps, 0))
    nodes = [element]
    for tag in steps:
        nodes = [child for node in nodes for child in _kids(index, node).get(tag, ())]
        if not nodes:
            break
    return nodes


def child_map(element: etree._Element) -> dict[object, list[etree._Element]]:
    """``element``'s children by tag, in document order (from the index while a reader maps
    a tree, so asking again costs one dictionary read).  Read it, never change it."""
    index = _index.children
    if index is None:
        return _by_tag(element)
    entry = index.get(id(element))
    return entry[1] if entry is not None else _kids(index, element)


def first_children(element: etree._Element, steps: tuple[str, ...]) -> etree._Element | None:
    """The first child of each of ``steps`` in turn (Clark tags, no wildcard); ``None`` as
    soon as one is missing (no search of the other branches)."""
    index = _index.children
    node: etree._Element = element
    if index is None:
        for tag in steps:
            child = next(node.iterchildren(tag), None)
            if child is None:
                return None
            node = child
        return node
    for tag in steps:
        entry = index.get(id(node))
        found = (entry[1] if entry is not None else _kids(index, node)).get(tag)
        if not found:
            return None
        node = found[0]
    return node


def _indexable(steps: tuple[str, ...]) -> bool:
    """Whether ``steps`` name tags only (a wildcard step is left to ``iterchildren``)."""
    known = _PLAIN.get(steps)
    if known is None:
        known = _PLAIN[steps] = not any("*" in step for step in steps)
    return known


_PLAIN: dict[tuple[str, ...], bool] = {}


def find(element: etree._Element, path: str) -> etree._Element | None:
    """The first element at ``path`` below ``element`` (``Element.find`` without recompiling)."""
    steps = _steps(path)
    if steps is None:
        return element.find(path)
    index = _index.children
    node = element
    if index is not None and len(steps) == 1 and _indexable(steps):
        # The commonest call (one child tag, a reader mapping a tree): two dictionary reads.
        entry = index.get(id(node))
        found = (entry[1] if entry is not None else _kids(index, node)).get(steps[0])
        return found[0] if found else None
    if index is not None and _indexable(steps):
        for tag in steps:
            entry = index.get(id(node))
            found = (entry[1] if entry is not None else _kids(index, node)).get(tag)
            if not found:
                break
            node = found[0]
        else:
            return node
    else:
        for tag in steps:
            child = next(node.iterchildren(tag), None)
            if child is None:
                break
            node = child
        else:
            return node
    # The greedy chain (first child of each step) is the first match in document order when
    # it reaches the end; only when it breaks off are the other branches searched.
    if len(steps) == 1:
        return None
    if index is not None and _indexable(steps):
        rest = children(element, steps)
        return rest[0] if rest else None
    return next(_walk(element, steps, 0), None)


def findall(element: etree._Element, path: str) -> list[etree._Element]:
    """Every element at ``path`` below ``element`` (``Element.findall``)."""
    steps = _steps(path)
    if steps is None:
        return element.findall(path)
    if _index.children is not None and _indexable(steps):
        return children(element, steps)
    if len(steps) == 1:
        return list(element.iterchildren(steps[0]))
    return list(_walk(element, steps, 0))


def findtext(element: etree._Element, path: str) -> str | None:
    """The text of the first element at ``path`` ('' when it has none, ``None`` when absent)."""
    found = find(element, path)
    if found is None:
        return None
    return found.text or ""
