"""Browser tests: Debian's chromium, the live server they drive, and what to show when one fails.

Two things make a failing browser test readable and a passing one deterministic:

* **One request at a time while a browser drives an in-memory SQLite test database.**  The
  live server then shares the test's single database connection with every request thread
  (pytest-django passes it over, as Django's ``LiveServerTestCase`` does).  Django's
  documentation warns that simultaneous queries over that shared connection "may sometimes
  randomly cause the tests to fail": two requests' ``atomic()`` blocks nest into each other's
  savepoints.  A page's background requests (live totals, the tax-ID check, autocomplete)
  routinely overlap the form submission, so while a browser is open the live server answers
  them one after another, the way SQLite's ``IMMEDIATE`` transactions queue writers on the
  real file database.  On PostgreSQL every request thread has its own connection and nothing
  is serialised.
* **The browser's traffic is printed at teardown**: every document and fetch request, its
  status and duration, failed requests and console errors, and where each page ended up.
  pytest shows it only for a failing test ("Captured stdout teardown"), so a timeout such as
  "waiting for navigation" says which request answered what.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
"""Debian's chromium (package ``chromium``); Playwright's own browser downloads are impossible
here, so every browser test drives this one."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # No background connections: the machines have no network but the package registries.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

_browser_open = threading.Event()


class OneRequestAtATime:
    """WSGI wrapper: while a browser is open, one request is answered (body included) at a
    time; otherwise requests pass straight through."""

    lock = threading.Lock()

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not _browser_open.is_set():
            return self.app(environ, start_response)
        with self.lock:
            response = self.app(environ, start_response)
            try:
                # Streaming responses (CSV exports) read the database while they are sent.
                return [b"".join(response)]
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()  # request_finished, as the WSGI server would send it


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """pytest-django's live server, serialised while a browser drives an in-memory SQLite
    database (see the module's docstring)."""
    from pytest_django.live_server_helper import LiveServer

    address = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(address, start=False)
    thread: Any = server.thread
    if thread.connections_override:
        static_handler = thread.static_handler
        thread.static_handler = lambda app: OneRequestAtATime(static_handler(app))
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Traffic:
    """What the browser asked and got, in order, for the teardown report."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.started: dict[Any, float] = {}
        self.pages: list[Any] = []
        self.t0 = time.monotonic()

    def _stamp(self) -> str:
        return f"{time.monotonic() - self.t0:7.2f}s"

    def watch(self, context: Any) -> Any:
        context.on("request", self._request)
        context.on("response", self._response)
        context.on("requestfailed", self._failed)
        context.on("page", self._page)
        return context

    def _interesting(self, request: Any) -> bool:
        return request.resource_type in {"document", "fetch", "xhr"}

    def _request(self, request: Any) -> None:
        if self._interesting(request):
            self.started[request] = time.monotonic()

    def _response(self, response: Any) -> None:
        request = response.request
        if not self._interesting(request):
            if response.status >= 400:
                self.lines.append(
                    f"{self._stamp()} {request.method} {request.url} -> {response.status}"
                )
            return
        took = time.monotonic() - self.started.pop(request, time.monotonic())
        self.lines.append(
            f"{self._stamp()} {request.method} {request.url} -> {response.status} ({took:.2f}s)"
        )

    def _failed(self, request: Any) -> None:
        self.started.pop(request, None)
        self.lines.append(
            f"{self._stamp()} {request.method} {request.url} FAILED: {request.failure}"
        )

    def _page(self, page: Any) -> None:
        self.pages.append(page)
        page.on(
            "console",
            lambda message: (
                self.lines.append(f"{self._stamp()} console {message.type}: {message.text}")
                if message.type in {"error", "warning"}
                else None
            ),
        )
        page.on(
            "pageerror", lambda error: self.lines.append(f"{self._stamp()} page error: {error}")
        )

    def report(self) -> str:
        out = ["browser traffic (document and fetch requests, failures, console errors):"]
        out += ["  " + line for line in self.lines]
        for request, since in self.started.items():
            out.append(
                f"  still waiting: {request.method} {request.url} "
                f"(for {time.monotonic() - since:.2f}s)"
            )
        for page in self.pages:
            try:
                main = page.locator("main").first.inner_text(timeout=1000)
            except Exception:  # the page may be closed or never loaded
                main = ""
            out.append(f"page ended at {page.url}")
            if main.strip():
                out.append("  " + " ".join(main.split())[:1500])
        return "\n".join(out)


class _Browser:
    """The Playwright browser, with every new context's traffic recorded."""

    def __init__(self, chromium: Any, traffic: Traffic) -> None:
        self._chromium = chromium
        self._traffic = traffic

    def new_context(self, **options: Any) -> Any:
        return self._traffic.watch(self._chromium.new_context(**options))

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chromium, name)


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Debian chromium driven by Playwright's sync API, closed after the test."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to be
    # called from a thread with a running loop unless told it is safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    traffic = Traffic()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _browser_open.set()
        try:
            yield _Browser(chromium, traffic)
        finally:
            print(traffic.report())
            _browser_open.clear()
            chromium.close()
