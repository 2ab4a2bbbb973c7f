"""The document archive: original bytes stored as they came, chained by hash.

Every archived file is stored once under a name derived from its SHA-256 in the ``documents``
storage (local folder on the embedded default; any Django storage, e.g. S3-compatible, at
scale).  Each :class:`~efactura.invoices.models.Document` row carries ``chain_hash`` =
SHA-256(previous chain hash | invoice id | role | sha256 | size), so removing, reordering or
altering an archived record — or the bytes behind it — is detected by :func:`check_archive`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction

from efactura.invoices.models import ArchiveHead, Document, Invoice

GENESIS = "0" * 64
_CONTENT_TYPES = {"pdf": "application/pdf"}


def _storage() -> Storage:
    return storages["documents"] if "documents" in storages.backends else storages["default"]


def storage_name_for(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _chain(previous: str, *, invoice_id: str, role: str, sha256: str, size: int) -> str:
    material = f"{previous}|{invoice_id}|{role}|{sha256}|{size}".encode()
    return hashlib.sha256(material).hexdigest()


def store_bytes(data: bytes) -> tuple[str, str]:
    """Store ``data`` (once per content) and return ``(storage_name, sha256)``."""
    digest = hashlib.sha256(data).hexdigest()
    name = storage_name_for(digest)
    storage = _storage()
    if not storage.exists(name):
        storage.save(name, ContentFile(data))
    return name, digest


def archive(
    *,
    invoice: Invoice,
    data: bytes,
    role: str,
    filename: str,
    fmt: str = "",
    version: str = "",
    signed: bool = False,
    batch_index: int | None = None,
    content_type: str = "application/xml",
) -> Document:
    """Archive ``data`` for ``invoice`` and append it to the hash chain.

    Must run inside the caller's transaction; the chain head is locked so concurrent archives
    serialise on it (on SQLite the whole database is locked for writes anyway).
    """
    name, digest = store_bytes(data)
    ArchiveHead.objects.get_or_create(pk=1, defaults={"chain_hash": GENESIS})
    head = ArchiveHead.objects.select_for_update().get(pk=1)
    previous = head.chain_hash
    document = Document.objects.create(
        invoice=invoice,
        role=role,
        filename=filename[:200],
        storage_name=name,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        format=fmt,
        version=version,
        signed=signed,
        batch_index=batch_index,
        chain_hash=_chain(
            previous, invoice_id=str(invoice.pk), role=role, sha256=digest, size=len(data)
        ),
    )
    head.chain_hash = document.chain_hash
    head.save(update_fields=["chain_hash"])
    return document


def read(document: Document) -> bytes:
    """The archived bytes, verified against their recorded SHA-256."""
    with _storage().open(document.storage_name, "rb") as handle:
        data: bytes = handle.read()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise ArchiveTampered(
            f"Archived file {document.storage_name} no longer matches its recorded hash."
        )
    return data


class ArchiveTampered(Exception):
    """An archived document or its chain does not match what was recorded."""


@dataclass(frozen=True)
class ArchiveCheck:
    checked: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_archive(*, verify_bytes: bool = True) -> ArchiveCheck:
    """Walk the whole chain and (optionally) re-hash every stored file."""
    problems: list[str] = []
    previous = GENESIS
    count = 0
    with transaction.atomic():
        for doc in Document.objects.order_by("id").iterator():
            count += 1
            expected = _chain(
                previous,
                invoice_id=str(doc.invoice_id),
                role=doc.role,
                sha256=doc.sha256,
                size=doc.size,
            )
            if expected != doc.chain_hash:
                problems.append(
                    f"document {doc.pk}: chain hash mismatch (record altered or removed)"
                )
            if verify_bytes:
                try:
                    read(doc)
                except ArchiveTampered as exc:
                    problems.append(f"document {doc.pk}: {exc}")
                except FileNotFoundError:
                    problems.append(f"document {doc.pk}: file {doc.storage_name} is missing")
            previous = doc.chain_hash
        head = ArchiveHead.objects.filter(pk=1).values_list("chain_hash", flat=True).first()
        if head is not None and head != previous:
            problems.append("the newest archived record is missing (chain head mismatch)")
    return ArchiveCheck(checked=count, problems=tuple(problems))
