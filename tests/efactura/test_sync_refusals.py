"""``efactura sync`` never retries a file forever: refusals and repeated server failures go to
``outbox/failed/`` with the reason beside them.

The platform is played by a small real HTTP server on 127.0.0.1 that answers each upload the
way a misbehaving deployment or proxy would (HTML error pages, 5xx, 4xx).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from efactura.sync import MAX_SERVER_ERRORS, Summary, SyncClient


class _Platform(BaseHTTPRequestHandler):
    answers: list[tuple[int, str, bytes]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, content_type, body = self.answers[0] if self.answers else (500, "text/html", b"")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def platform() -> Iterator[tuple[str, type[_Platform]]]:
    handler = type("Handler", (_Platform,), {"answers": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _no_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("efactura.sync.SETTLE_SECONDS", 0)


def _client(url: str, root: Path) -> SyncClient:
    (root / "out").mkdir(parents=True)
    (root / "in").mkdir(parents=True)
    return SyncClient(url=url, api_key="k", outbox=root / "out", inbox=root / "in")


def test_refused_file_moves_to_failed_with_the_reason(
    platform: tuple[str, type[_Platform]], tmp_path: Path
) -> None:
    url, handler = platform
    problem = {"type": "about:blank", "status": 422, "detail": "BT-1 missing"}
    handler.answers = [(422, "application/problem+json", json.dumps(problem).encode())]
    client = _client(url, tmp_path)
    (tmp_path / "out" / "bad.xml").write_bytes(b"<Invoice/>")
    summary = Summary()
    client.upload(summary)
    client.close()
    assert summary.failed == 1
    assert not (tmp_path / "out" / "bad.xml").exists()
    assert (tmp_path / "out" / "failed" / "bad.xml").read_bytes() == b"<Invoice/>"
    reason = json.loads((tmp_path / "out" / "failed" / "bad.xml.error.json").read_text())
    assert reason["detail"] == "BT-1 missing"


def test_html_refusal_still_gives_a_reason_file(
    platform: tuple[str, type[_Platform]], tmp_path: Path
) -> None:
    url, handler = platform
    handler.answers = [(413, "text/html", b"<html><body>Request Entity Too Large</body></html>")]
    client = _client(url, tmp_path)
    (tmp_path / "out" / "big.xml").write_bytes(b"<Invoice/>")
    client.upload(Summary())
    client.close()
    reason = json.loads((tmp_path / "out" / "failed" / "big.xml.error.json").read_text())
    assert reason["status"] == 413
    assert "Too Large" in reason["detail"]


def test_a_file_the_server_keeps_failing_on_is_set_aside(
    platform: tuple[str, type[_Platform]], tmp_path: Path
) -> None:
    url, handler = platform
    handler.answers = [(500, "text/html", b"<h1>Server Error (500)</h1>")]
    client = _client(url, tmp_path)
    (tmp_path / "out" / "crash.xml").write_bytes(b"<CreditNote/>")
    for _ in range(MAX_SERVER_ERRORS - 1):
        summary = Summary()
        client.upload(summary)
        assert summary.postponed == 1
        assert (tmp_path / "out" / "crash.xml").exists()
    summary = Summary()
    client.upload(summary)
    client.close()
    assert summary.failed == 1
    assert (tmp_path / "out" / "failed" / "crash.xml").exists()
    reason = json.loads((tmp_path / "out" / "failed" / "crash.xml.error.json").read_text())
    assert f"{MAX_SERVER_ERRORS} times" in reason["sync_reason"]
    state = json.loads((tmp_path / "in" / ".efactura-sync.json").read_text())
    assert state["server_errors"] == {}


def test_too_many_requests_is_retried_not_refused(
    platform: tuple[str, type[_Platform]], tmp_path: Path
) -> None:
    url, handler = platform
    handler.answers = [(429, "application/problem+json", b'{"status": 429}')]
    client = _client(url, tmp_path)
    (tmp_path / "out" / "later.xml").write_bytes(b"<Invoice/>")
    for _ in range(MAX_SERVER_ERRORS + 1):
        client.upload(Summary())
    client.close()
    assert (tmp_path / "out" / "later.xml").exists()
