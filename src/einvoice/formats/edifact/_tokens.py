"""A fast path to pydifact's segments: the same result, built with string splits.

pydifact's tokenizer reads an interchange one character at a time in Python (about 4 µs a
byte), which made a 2 MB file cost seconds.  An interchange is plain delimited text (ISO
9735: segment terminator, data element and component separators, a release character), so
the segments can be cut with ``str.split`` in C and only the segment objects built in
Python.  :func:`parse` does that and returns exactly what
``pydifact.parser.Parser(factory=…).parse(text)`` returns — the same tags and elements, the
same segment classes from the same factory (``tests/einvoice/formats/test_edifact_tokens.py``
compares both on every sample) — and hands anything unusual (a stray ``'UNA`` inside the
text, an empty segment, text after the last terminator, private-use characters) to pydifact
itself, so the two never disagree.

Released characters (``?'``, ``?+``, ``?:`` …) are swapped for characters of the
Supplementary Private Use Area-A before splitting and swapped back after, so a released
separator never splits.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import Final

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment, SegmentFactory

__all__ = ["parse", "register_plain_factory"]

_PUA: Final = 0xF0000
"""Released character ``c`` travels as ``chr(_PUA + ord(c))`` while splitting."""
_PRIVATE: Final = re.compile("[\U000f0000-\U000fffff]")
_AFTER_TERMINATOR: Final = " \r\n"
"""What pydifact skips after a segment terminator (its ``line_terminators``)."""


_PLAIN_FACTORIES: list[object] = []
"""``create_segment`` functions known to build a plain :class:`Segment` without validating
(registered by the reader for its factory)."""


def register_plain_factory(factory: type[SegmentFactory]) -> None:
    """Declare that ``factory.create_segment`` builds plain segments without validation, so
    :func:`parse` may build them itself."""
    _PLAIN_FACTORIES.append(factory.create_segment)


class _Unusual(Exception):
    """The text has a shape the fast path leaves to pydifact."""


def _value(element: str, component: str) -> str | list[str]:
    """A data element as pydifact gives it: one component as ``str``, several as a list,
    trailing empty components dropped, nothing at all as ``""``."""
    if component not in element:
        return element
    parts = element.split(component)
    while parts and not parts[-1]:
        parts.pop()
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else parts


def _segments(
    body: str, chars: Characters, factory: SegmentFactory, directory: str
) -> Iterable[Segment]:
    term = chars.segment_terminator
    data = chars.data_separator
    comp = chars.component_separator
    esc = chars.escape_character
    released = esc in body
    back: dict[int, int] = {}
    if released:
        if _PRIVATE.search(body) or (body.endswith(esc) and not body.endswith(esc + esc)):
            raise _Unusual
        if f"{esc}\n" in body.replace(esc + esc, ""):
            raise EDISyntaxError("Newlines after escape characters are not allowed.")
        found = set(re.findall(re.escape(esc) + "(.)", body, flags=re.S))
        back = {_PUA + ord(ch): ord(ch) for ch in found}
        body = re.sub(re.escape(esc) + "(.)", lambda m: chr(_PUA + ord(m[1])), body, flags=re.S)
    pieces = body.split(term)
    if pieces[-1].lstrip(_AFTER_TERMINATOR):
        raise _Unusual  # content after the last terminator: pydifact's own error
    pieces.pop()
    out: list[Segment] = []
    version = ""
    plain = not Segment.plugins and type(factory).create_segment in _PLAIN_FACTORIES
    for index, piece in enumerate(pieces):
        if index:
            piece = piece.lstrip(_AFTER_TERMINATOR)
        if not piece:
            raise _Unusual
        raw = piece.split(data)
        name = raw[0]
        if comp in name:
            raise _Unusual
        elements = [_value(e, comp) for e in raw[1:]]
        if released and _PRIVATE.search(piece):
            name = name.translate(back)
            elements = [
                e.translate(back) if isinstance(e, str) else [p.translate(back) for p in e]
                for e in elements
            ]
        if name == "UNA":
            raise EDISyntaxError("There are not multiple UNA segments allowed.")
        if name == "UNB":
            # pydifact reads the syntax version this way (a plain str gives its 2nd letter).
            version = elements[0][1]
        if plain and len(name) == 3 and name.isalnum() and name.isupper() and elements:
            # What the factory would build (no plugin segment class is registered), without
            # its per-segment checks, which this branch has just made.
            segment = Segment.__new__(Segment)
            segment.tag = name
            segment.elements = elements
            out.append(segment)
        else:
            out.append(
                factory.create_segment(name, *elements, version=version, directory=directory)
            )
    return out


def parse(text: str, factory: SegmentFactory, directory: str = "") -> list[Segment]:
    """The segments of ``text`` (an interchange, object packages already cut out), as
    ``Parser(factory=factory).parse(text)`` gives them; raises what pydifact raises."""
    characters: Characters | None = None
    body = text
    head: list[Segment] = []
    if text.startswith("UNA"):
        characters = Characters.from_str(f"UNA{text[3:9]}")
        body = text[9:].lstrip("\r\n")
        head = [factory.create_segment("UNA", str(characters))]
    elif "'UNA" in text:
        return _pydifact(text, factory, directory)
    try:
        chars = characters if characters is not None else Characters()  # type: ignore[no-untyped-call]
        return head + list(_segments(body, chars, factory, directory))
    except _Unusual:
        return _pydifact(text, factory, directory)


def _pydifact(text: str, factory: SegmentFactory, directory: str) -> list[Segment]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(Parser(factory=factory, directory=directory).parse(text))
