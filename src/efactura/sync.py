"""``efactura sync``: the reference client of the API, for programmes that exchange files.

The programme drops invoices (XML of any supported format, or canonical JSON as ``.json``)
into the *outbox* folder and finds its suppliers' invoices in the *inbox* folder::

    efactura sync --url https://efactura.example.com --api-key-env EFACTURA_API_KEY \\
        --outbox /erp/out --inbox /erp/in [--once] [--interval 60]

Each cycle:

1. **Upload** every file of the outbox (files starting with ``.`` or ending in ``.tmp`` /
   ``.part`` are ignored while the programme writes them).  Accepted files move to
   ``outbox/sent/`` with the answer beside them as ``<name>.result.json``; refused files move
   to ``outbox/failed/`` with the problem document as ``<name>.error.json``.  Network errors,
   5xx, 408 and 429 leave the file where it is for the next cycle, but a file the platform
   failed on :data:`MAX_SERVER_ERRORS` times in a row is moved to ``outbox/failed/`` too
   (with the last answer as the reason), so one file never blocks the queue by being retried
   forever; move it back into the outbox to try again.  409 (the same file still being
   processed by an earlier upload) leaves it for the next cycle too.  The ``Idempotency-Key`` is
   derived from the file's SHA-256, so an upload interrupted before its answer arrived is
   retried without ever creating a second invoice.
2. **Download** every received invoice not yet acknowledged, as its original file, into the
   inbox, then **acknowledge** it.  A crash between the two only means the same file is
   written again (same name, same bytes) and acknowledged on the next cycle.
3. **Events**: append what happened to the company's invoices since the stored cursor to
   ``inbox/events.jsonl`` (one JSON object a line; at least once — use ``id`` to skip
   repeats).  The cursor is kept in the state file.

Every file is written to a temporary name, flushed and renamed into place, so stopping the
client at any moment (Ctrl-C, SIGTERM, power cut) never leaves half a file, and it resumes
where it stopped.  Needs no database: it only speaks HTTP (httpx).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

STATE_NAME = ".efactura-sync.json"
IGNORED_SUFFIXES = (".tmp", ".part", ".error.json", ".result.json")
SETTLE_SECONDS = 1.0
"""A file modified more recently than this is left for the next cycle (still being written)."""
MAX_SERVER_ERRORS = 5
"""Consecutive 5xx answers for the same file after which it is moved to ``failed/``."""
RETRY_STATUSES = frozenset({408, 409, 425, 429})
"""4xx answers that mean "later", not "never": the file stays in the outbox (409: an earlier
upload of the same file, same ``Idempotency-Key``, is still being processed)."""
EXIT_FAILED_FILES = 1
EXIT_UNREACHABLE = 4


class SyncError(Exception):
    """Something the person running the client must fix (bad key, bad URL)."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode() + b"\n"


def _answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON object the platform answered, or one describing a non-JSON answer (a proxy's
    HTML error page, an empty body) so the reason file always says what happened."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    return {
        "status": response.status_code,
        "title": response.reason_phrase,
        "detail": response.text[:2000],
        "content_type": response.headers.get("content-type", ""),
    }


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "invoice"


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    postponed: int = 0
    downloaded: int = 0
    events: int = 0
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"sent {self.sent}, refused {self.failed}, postponed {self.postponed}, "
            f"downloaded {self.downloaded}, events {self.events}"
        )


class SyncClient:
    """One outbox/inbox pair synchronised with one company's API key."""

    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        outbox: Path,
        inbox: Path,
        state_file: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.outbox = outbox
        self.inbox = inbox
        self.state_file = state_file or inbox / STATE_NAME
        self.http = httpx.Client(
            base_url=url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "efactura-sync/1"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    # -- state ------------------------------------------------------------------------------

    def load_state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise SyncError(f"The state file {self.state_file} is damaged: {exc}.") from None
        return data if isinstance(data, dict) else {}

    def save_state(self, state: dict[str, Any]) -> None:
        atomic_write(self.state_file, _json_bytes(state))

    # -- one cycle --------------------------------------------------------------------------

    def run_once(self) -> Summary:
        summary = Summary()
        self._check_key()
        self.upload(summary)
        self.download(summary)
        self.follow_events(summary)
        return summary

    def _check_key(self) -> None:
        response = self.http.get("/me")
        if response.status_code == 401:
            raise SyncError("The API key was refused (unknown or revoked).")
        response.raise_for_status()

    def pending_uploads(self) -> list[Path]:
        if not self.outbox.is_dir():
            return []
        now = time.time()
        files = []
        for path in sorted(self.outbox.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            if path.name.endswith(IGNORED_SUFFIXES):
                continue
            if now - path.stat().st_mtime < SETTLE_SECONDS:
                continue
            files.append(path)
        return files

    def upload(self, summary: Summary) -> None:
        state = self.load_state()
        errors: dict[str, int] = {
            k: v for k, v in dict(state.get("server_errors") or {}).items() if isinstance(v, int)
        }
        for path in self.pending_uploads():
            data = path.read_bytes()
            key = "sync-" + hashlib.sha256(data).hexdigest()
            is_json = path.suffix.lower() == ".json"
            headers = {
                "Idempotency-Key": key,
                "Content-Type": "application/json" if is_json else "application/xml",
            }
            try:
                response = self.http.post(
                    "/invoices",
                    content=data,
                    headers=headers,
                    params={} if is_json else {"filename": path.name},
                )
            except httpx.TransportError as exc:
                summary.postponed += 1
                summary.messages.append(f"{path.name}: not sent now ({exc}); will retry.")
                continue
            status = response.status_code
            if status == 201:
                errors.pop(key, None)
                answer = _answer(response)
                atomic_write(self.outbox / "sent" / f"{path.name}.result.json", _json_bytes(answer))
                os.replace(path, self.outbox / "sent" / path.name)
                summary.sent += 1
                summary.messages.append(f"{path.name}: sent as {answer.get('number')}.")
                continue
            if status == 401:
                raise SyncError("The API key was refused (unknown or revoked).")
            problem = _answer(response)
            if status >= 500:
                errors[key] = errors.get(key, 0) + 1
                if errors[key] < MAX_SERVER_ERRORS:
                    summary.postponed += 1
                    summary.messages.append(
                        f"{path.name}: the platform answered {status}; will retry."
                    )
                    continue
                errors.pop(key)
                problem = {
                    **problem,
                    "sync_reason": f"The platform failed on this file {MAX_SERVER_ERRORS} times "
                    f"in a row (last answer {status}); it is set aside so the other files go "
                    "on. Move it back into the outbox to try again.",
                }
            elif status in RETRY_STATUSES:
                summary.postponed += 1
                summary.messages.append(f"{path.name}: the platform answered {status}; will retry.")
                continue
            failed = self.outbox / "failed"
            atomic_write(failed / f"{path.name}.error.json", _json_bytes(problem))
            os.replace(path, failed / path.name)
            summary.failed += 1
            reason = problem.get("sync_reason") or problem.get("detail") or problem.get("title")
            summary.messages.append(f"{path.name}: refused ({status}): {reason or ''}")
        state = self.load_state()  # unchanged by this step, but re-read to keep other keys
        state["server_errors"] = errors
        self.save_state(state)

    def download(self, summary: Summary) -> None:
        """Fetch every unacknowledged received invoice, write it, acknowledge it."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        while True:
            response = self.http.get(
                "/invoices/received",
                params={"unacknowledged": "true", "sort": "issue_date", "page_size": 100},
            )
            response.raise_for_status()
            items = response.json()["items"]
            if not items:
                return
            done = []
            for item in items:
                document = self.http.get(
                    f"/invoices/{item['id']}/document", params={"format": "original"}
                )
                document.raise_for_status()
                original = _filename(document.headers.get("content-disposition", ""))
                suffix = Path(original).suffix or ".xml"
                name = f"{_safe_name(item['seller_tax_id'])}_{_safe_name(item['number'])}"
                atomic_write(self.inbox / f"{name}_{item['id'][:8]}{suffix}", document.content)
                done.append(item["id"])
                summary.downloaded += 1
            ack = self.http.post("/invoices/ack", json={"ids": done})
            ack.raise_for_status()

    def follow_events(self, summary: Summary) -> None:
        state = self.load_state()
        cursor = str(state.get("events_cursor", "0"))
        while True:
            response = self.http.get("/events", params={"cursor": cursor, "page_size": 200})
            response.raise_for_status()
            page = response.json()
            if page["items"]:
                lines = b"".join(
                    json.dumps(e, ensure_ascii=False).encode() + b"\n" for e in page["items"]
                )
                with open(self.inbox / "events.jsonl", "ab") as handle:
                    handle.write(lines)
                    handle.flush()
                    os.fsync(handle.fileno())
                summary.events += len(page["items"])
            cursor = page["next_cursor"]
            state["events_cursor"] = cursor
            self.save_state(state)
            if not page["has_more"]:
                return


def _filename(disposition: str) -> str:
    match = re.search(r'filename="([^"]+)"', disposition)
    return match.group(1) if match else ""


# -- command line -------------------------------------------------------------------------------


def cmd_sync(args: argparse.Namespace) -> int:
    key = os.environ.get(args.api_key_env, "").strip()
    if not key:
        print(
            f"efactura sync: the environment variable {args.api_key_env} is empty or unset; "
            "put the API key there.",
            file=sys.stderr,
        )
        return 2
    client = SyncClient(
        url=args.url,
        api_key=key,
        outbox=Path(args.outbox),
        inbox=Path(args.inbox),
        state_file=Path(args.state) if args.state else None,
    )
    stop: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.append(signum)

    if not args.once:
        signal.signal(signal.SIGTERM, request_stop)
    status = 0
    try:
        while True:
            try:
                summary = client.run_once()
            except SyncError as exc:
                print(f"efactura sync: {exc}", file=sys.stderr)
                return 2
            except httpx.HTTPError as exc:
                print(f"efactura sync: the platform cannot be reached: {exc}", file=sys.stderr)
                if args.once:
                    return EXIT_UNREACHABLE
            else:
                for message in summary.messages:
                    print(message)
                print(f"efactura sync: {summary.line()}.", flush=True)
                if summary.failed:
                    status = EXIT_FAILED_FILES
            if args.once:
                return status
            deadline = time.monotonic() + args.interval
            while not stop and time.monotonic() < deadline:
                time.sleep(0.2)
            if stop:
                return 0
    except KeyboardInterrupt:
        return 130
    finally:
        client.close()


def register(sub: Any) -> None:
    """Add the ``sync`` subcommand to the ``efactura`` command."""
    parser = sub.add_parser(
        "sync",
        help="exchange invoices between two folders and the API (reference client)",
        description=(
            "Upload the invoices dropped in --outbox, download received invoices into "
            "--inbox and acknowledge them. Safe to stop and restart at any moment. Exit "
            "status 1: some files were refused (see outbox/failed/*.error.json); 2: bad key "
            "or arguments; 4: the platform could not be reached (--once)."
        ),
    )
    parser.add_argument("--url", required=True, help="address of the platform")
    parser.add_argument(
        "--api-key-env", required=True, metavar="VAR", help="environment variable with the key"
    )
    parser.add_argument("--outbox", required=True, metavar="DIR")
    parser.add_argument("--inbox", required=True, metavar="DIR")
    parser.add_argument(
        "--state", metavar="FILE", help=f"state file (default: <inbox>/{STATE_NAME})"
    )
    parser.add_argument("--once", action="store_true", help="one cycle, then exit")
    parser.add_argument(
        "--interval", type=float, default=60.0, metavar="S", help="seconds between cycles"
    )
    parser.set_defaults(func=cmd_sync)
