"""Malformed and oversized .zip uploads: one error per damaged entry, the others imported,
and entries read one at a time within bounds (never the whole archive decompressed)."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator

import pytest

from efactura.invoices.services import importing
from einvoice.errors import Violation

XML = b"<?xml version='1.0'?><Invoice>" + b"<a>x</a>" * 50 + b"</Invoice>"


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _patch_headers(
    data: bytes, name: bytes, *, local: tuple[int, bytes], central: tuple[int, bytes]
) -> bytes:
    """Overwrite a field of ``name``'s local header and of its central-directory record."""
    out = bytearray(data)
    for signature, (offset, value), name_at in (
        (b"PK\x03\x04", local, 30),
        (b"PK\x01\x02", central, 46),
    ):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            if out[start + name_at : start + name_at + len(name)] == name:
                out[start + offset : start + offset + len(value)] = value
            start += 4
    return bytes(out)


def _outcome(data: bytes) -> dict[str, str]:
    """Entry name → "ok" or the rule of its violation."""
    return {
        name: content.rule if isinstance(content, Violation) else "ok"
        for name, content in importing.expand_upload("lote.zip", data)
    }


def test_bad_crc_is_an_error_of_that_entry_only() -> None:
    data = _zip({"a.xml": XML, "b.xml": XML + b" "})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("b.xml")
    wrong = struct.pack("<I", info.CRC ^ 0xFFFFFFFF)
    data = _patch_headers(data, b"b.xml", local=(14, wrong), central=(16, wrong))
    assert _outcome(data) == {"lote.zip/a.xml": "ok", "lote.zip/b.xml": "IMPORT-ZIP-ENTRY"}


def test_size_header_that_lies_is_an_error_of_that_entry() -> None:
    data = _zip({"a.xml": XML, "b.xml": XML})
    small = struct.pack("<I", 10)
    data = _patch_headers(data, b"b.xml", local=(22, small), central=(24, small))
    assert _outcome(data)["lote.zip/b.xml"] == "IMPORT-ZIP-ENTRY"
    assert _outcome(data)["lote.zip/a.xml"] == "ok"


def test_encrypted_entry_is_refused_by_name() -> None:
    data = _zip({"a.xml": XML, "secret.xml": XML})
    flags = struct.pack("<H", 0x1)
    data = _patch_headers(data, b"secret.xml", local=(6, flags), central=(8, flags))
    outcome = _outcome(data)
    assert outcome == {"lote.zip/a.xml": "ok", "lote.zip/secret.xml": "IMPORT-ZIP-ENCRYPTED"}


def test_unknown_compression_method_is_refused_by_name() -> None:
    data = _zip({"a.xml": XML, "b.xml": XML}, method=zipfile.ZIP_STORED)
    deflate64 = struct.pack("<H", 9)
    data = _patch_headers(data, b"b.xml", local=(8, deflate64), central=(10, deflate64))
    assert _outcome(data) == {"lote.zip/a.xml": "ok", "lote.zip/b.xml": "IMPORT-ZIP-METHOD"}


def test_truncated_zip_is_one_error() -> None:
    data = _zip({"a.xml": XML})
    assert _outcome(data[: len(data) // 2]) == {"lote.zip": "IMPORT-ZIP"}


def test_too_many_entries_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_ZIP_ENTRIES", 3)
    data = _zip({f"{i}.xml": XML for i in range(4)})
    assert _outcome(data) == {"lote.zip": "IMPORT-ZIP-SIZE"}


def test_total_size_is_counted_on_what_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_ZIP_TOTAL_BYTES", len(XML) * 2 + 1)
    data = _zip({f"{i}.xml": XML for i in range(2)})
    assert list(_outcome(data).values()) == ["ok", "ok"]
    data = _zip({f"{i}.xml": XML for i in range(3)})
    assert _outcome(data) == {"lote.zip": "IMPORT-ZIP-SIZE"}


def test_entries_are_decompressed_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _zip({f"{i}.xml": XML for i in range(5)})
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: object, *args: object, **kwargs: object) -> object:
        opened.append(getattr(name, "filename", str(name)))
        return original(self, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    entries: Iterator[tuple[str, bytes | Violation]] = importing.expand_upload("lote.zip", data)
    first = next(entries)
    assert first[0] == "lote.zip/0.xml"
    assert opened == ["0.xml"]  # the rest is still compressed
    assert len(list(entries)) == 4
