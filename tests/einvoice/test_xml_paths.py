"""``einvoice.xml`` child-path helpers give what lxml's ElementPath gives."""

from __future__ import annotations

import pytest
from lxml import etree

from einvoice import xml

DOC = etree.fromstring(
    b"<r xmlns:n='urn:n'><a><b>1</b><b>2</b></a><a><b>3</b><c/></a><!-- note -->"
    b"<n:a><n:b>4</n:b></n:a><d>  </d><e/></r>"
)

PATHS = [
    "a",
    "a/b",
    "a/c",
    "a/*",
    "*",
    "x/y",
    "{urn:n}a/{urn:n}b",
    "{urn:n}a/b",
    "d",
    "e",
    ".//b",  # not a plain child path: handled by ElementPath itself
    "a[2]/b",
    "./a/b",
]


@pytest.mark.parametrize("path", PATHS)
def test_same_elements_as_elementpath(path: str) -> None:
    assert xml.findall(DOC, path) == DOC.findall(path)
    assert list(xml.iterpath(DOC, path)) == list(DOC.iterfind(path))
    assert xml.find(DOC, path) is DOC.find(path) or xml.find(DOC, path) == DOC.find(path)
    assert xml.findtext(DOC, path) == DOC.findtext(path)


def test_namespace_uris_with_slashes_are_one_step() -> None:
    root = etree.fromstring(b"<r xmlns='http://x.example/a/b'><s><t>v</t></s></r>")
    path = "{http://x.example/a/b}s/{http://x.example/a/b}t"
    assert xml.findtext(root, path) == "v"
    assert xml.findall(root, path) == root.findall(path)
