"""The document archive: original bytes stored as they came, chained by hash.

Every archived file is stored once under a name derived from its SHA-256 in the ``documents``
storage (local folder on the embedded default; any Django storage, e.g. S3-compatible, at
scale).  Each :class:`~efactura.invoices.models.Document` row carries ``chain_hash`` =
SHA-256(previous chain hash | invoice id | role | sha256 | size), so removing, reordering or
altering an archived record — or the bytes behind it — is detected by :func:`check_archive`.

The chain is appended *after* the invoice's transaction, not inside it: :func:`archive` writes
the row unsealed and registers :func:`seal_pending` to run once the transaction commits.  The
sealer locks the chain head for one short transaction, gives every committed unsealed row the
next position (``chain_seq``, in the order the rows became visible, i.e. commit order) and its
chain hash, and moves the head.  A sealer that finds the head locked leaves the work to the
one holding it, which looks again for new rows after committing, so no committed row is left
behind; the worker's housekeeping and :func:`check_archive` seal stragglers (a process that
died between commit and seal) too.  Ingest therefore never queues on one row for the
platform, while the archive stays one tamper-evident chain verified from the start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    """Archive ``data`` for ``invoice``, in the caller's transaction; the row joins the hash
    chain right after that transaction commits (:func:`seal_pending`)."""
    return archive_many(
        invoice=invoice,
        documents=[
            {
                "data": data,
                "role": role,
                "filename": filename,
                "fmt": fmt,
                "version": version,
                "signed": signed,
                "batch_index": batch_index,
                "content_type": content_type,
            }
        ],
    )[0]


def archive_many(*, invoice: Invoice, documents: Sequence[Mapping[str, Any]]) -> list[Document]:
    """:func:`archive` for several documents of one invoice (keyword arguments of
    :func:`archive` each), inserted together."""
    rows = []
    for document in documents:
        data = document["data"]
        name, digest = store_bytes(data)
        rows.append(
            Document(
                invoice=invoice,
                role=document["role"],
                filename=document["filename"][:200],
                storage_name=name,
                content_type=document.get("content_type", "application/xml"),
                size=len(data),
                sha256=digest,
                format=document.get("fmt", ""),
                version=document.get("version", ""),
                signed=document.get("signed", False),
                batch_index=document.get("batch_index"),
            )
        )
    created = Document.objects.bulk_create(rows) if len(rows) > 1 else [_save(rows[0])]
    _seal_after_commit()
    return created


def _save(document: Document) -> Document:
    document.save(force_insert=True)
    return document


def _seal_after_commit() -> None:
    """Register :func:`seal_pending` to run after the current transaction commits, once per
    transaction (one sealer run covers every document the transaction archived)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        hook is seal_pending for _sids, hook, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(seal_pending, robust=True)


SEAL_BATCH = 1000
"""Rows chained per sealing transaction."""


def _head_for_sealing() -> ArchiveHead | None:
    """The chain head, locked; ``None`` while another sealer holds it."""
    head = ArchiveHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    if head is None and not ArchiveHead.objects.filter(pk=1).exists():
        ArchiveHead.objects.get_or_create(pk=1, defaults={"chain_hash": GENESIS})
        head = ArchiveHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    return head


def seal_pending() -> int:
    """Append every committed, unsealed document to the chain; returns how many were sealed.

    Safe to call from any process at any time (after each ingest, from housekeeping, before a
    check): sealers take the head with ``SKIP LOCKED``, so a second one returns at once and
    the first, after committing, looks again for rows that committed meanwhile.
    """
    sealed = 0
    while True:
        with transaction.atomic():
            head = _head_for_sealing()
            if head is None:
                return sealed  # another sealer holds the head and will look again
            batch = list(
                Document.objects.filter(chain_seq__isnull=True)
                .order_by("id")
                .only("id", "invoice_id", "role", "sha256", "size")[:SEAL_BATCH]
            )
            previous, seq = head.chain_hash, head.seq
            for document in batch:
                seq += 1
                previous = _chain(
                    previous,
                    invoice_id=str(document.invoice_id),
                    role=document.role,
                    sha256=document.sha256,
                    size=document.size,
                )
                document.chain_seq, document.chain_hash = seq, previous
            if batch:
                Document.objects.bulk_update(batch, ["chain_seq", "chain_hash"])
                head.chain_hash, head.seq = previous, seq
                head.save(update_fields=["chain_hash", "seq"])
        sealed += len(batch)
        if len(batch) < SEAL_BATCH and not Document.objects.filter(chain_seq__isnull=True).exists():
            return sealed


def _read_unchecked(document: Document) -> bytes:
    with _storage().open(document.storage_name, "rb") as handle:
        data: bytes = handle.read()
    return data


def read(document: Document) -> bytes:
    """The archived bytes, verified against their recorded SHA-256.

    A file that is missing or no longer matches raises :class:`ArchiveTampered` and alerts the
    operators (:func:`alert_tampered_document`): the caller shows a clear error, never the bytes.
    """
    try:
        data = _read_unchecked(document)
    except FileNotFoundError:
        problem = f"Archived file {document.storage_name} is missing."
        alert_tampered_document(document=document, problem=problem)
        raise ArchiveTampered(problem) from None
    if hashlib.sha256(data).hexdigest() != document.sha256:
        problem = f"Archived file {document.storage_name} no longer matches its recorded hash."
        alert_tampered_document(document=document, problem=problem)
        raise ArchiveTampered(problem)
    return data


class ArchiveTampered(Exception):
    """An archived document or its chain does not match what was recorded."""


def alert_tampered_document(*, document: Document, problem: str) -> None:
    """Tell the operators (audit entry + email to staff) that an archived file is damaged.

    At most one alert per document and hour, however often someone tries to download it.
    """
    from django.core.cache import cache

    if not cache.add(f"efactura:archive-alert:{document.pk}", 1, timeout=3600):
        return
    alert_operators(
        subject=f"Archive integrity: document {document.pk} is damaged",
        lines=[
            problem,
            f"Invoice: {document.invoice_id}  Document: {document.pk} ({document.role})",
            "Run `efactura archive verify` to check the whole archive.",
        ],
        data={"document": document.pk, "invoice": str(document.invoice_id), "problem": problem},
    )


def alert_operators(*, subject: str, lines: list[str], data: dict[str, object]) -> None:
    """An ``invoices.archive.tampered`` audit entry, and an email to every active operator."""
    from efactura.accounts.models import User
    from efactura.audit.services import record
    from efactura.notifications.tasks import send_email

    record(action="invoices.archive.tampered", data=dict(data))
    recipients = sorted(
        User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
    )
    if recipients:
        text = "\n".join(lines)
        transaction.on_commit(
            lambda: send_email.enqueue(to=recipients, subject=subject, text=text), robust=True
        )


@dataclass(frozen=True)
class ArchiveCheck:
    checked: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_break(self) -> str:
        """The first problem along the chain ("" when intact)."""
        return self.problems[0] if self.problems else ""


def check_archive(*, verify_bytes: bool = True) -> ArchiveCheck:
    """Seal what is still unsealed, then walk the whole chain in order and (optionally)
    re-hash every stored file."""
    seal_pending()
    problems: list[str] = []
    previous = GENESIS
    count = position = 0
    with transaction.atomic():
        chained = Document.objects.filter(chain_seq__isnull=False).order_by("chain_seq")
        for doc in chained.iterator():
            count += 1
            position += 1
            expected = _chain(
                previous,
                invoice_id=str(doc.invoice_id),
                role=doc.role,
                sha256=doc.sha256,
                size=doc.size,
            )
            if doc.chain_seq != position:
                problems.append(
                    f"document {doc.pk}: position {doc.chain_seq} in the chain, expected "
                    f"{position} (a record was removed or moved)"
                )
                position = int(doc.chain_seq or position)
            if expected != doc.chain_hash:
                problems.append(
                    f"document {doc.pk}: chain hash mismatch (record altered or removed)"
                )
            if verify_bytes:
                try:
                    data = _read_unchecked(doc)
                except FileNotFoundError:
                    problems.append(f"document {doc.pk}: file {doc.storage_name} is missing")
                else:
                    if hashlib.sha256(data).hexdigest() != doc.sha256:
                        problems.append(
                            f"document {doc.pk}: file {doc.storage_name} no longer matches "
                            "its recorded hash"
                        )
            previous = doc.chain_hash or ""
        head = ArchiveHead.objects.filter(pk=1).values_list("chain_hash", "seq").first()
        if head is not None and (head[0] != previous or head[1] != position):
            problems.append("the newest archived record is missing (chain head mismatch)")
    return ArchiveCheck(checked=count, problems=tuple(problems))


def do_verify_archive(*, verify_bytes: bool = True, source: str = "system") -> ArchiveCheck:
    """Check the archive, record the result (audit ``invoices.archive.verified``, shown on the
    operators' dashboard) and alert the operators when the chain or a file is broken."""
    from efactura.audit.choices import Source
    from efactura.audit.services import record

    result = check_archive(verify_bytes=verify_bytes)
    with transaction.atomic():
        record(
            action="invoices.archive.verified",
            source=Source(source),
            data={
                "ok": result.ok,
                "checked": result.checked,
                "bytes": verify_bytes,
                "first_break": result.first_break,
                "problems": len(result.problems),
            },
        )
        if not result.ok:
            alert_operators(
                subject="Archive integrity: the document archive is broken",
                lines=[
                    f"Checked {result.checked} archived documents; "
                    f"{len(result.problems)} problems.",
                    f"First break: {result.first_break}",
                    *result.problems[1:20],
                ],
                data={"first_break": result.first_break, "problems": len(result.problems)},
            )
    return result


def last_verification() -> dict[str, object] | None:
    """The newest recorded archive check (``data`` plus ``time``), for the dashboard."""
    from efactura.audit.models import AuditEntry

    entry = AuditEntry.objects.filter(action="invoices.archive.verified").order_by("-pk").first()
    if entry is None:
        return None
    return {**entry.data, "time": entry.time}
