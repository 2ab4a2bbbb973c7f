"""The demo bank: ``efactura serve --demo`` starts a local provider with demo bank customers."""

from __future__ import annotations

import argparse
import re
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.efactura.cli.test_cli_commands import EFACTURA, _free_port, clean_env

from efactura.sso import provider_process


def test_serve_demo_lets_a_newcomer_enter_from_online_banking(tmp_path: Path) -> None:
    """The whole way a bank customer arrives, on a real ``efactura serve --demo``."""
    try:
        provider_process.check_available()
    except provider_process.ProviderUnavailable as exc:
        pytest.skip(str(exc))
    port = _free_port()
    process = subprocess.Popen(
        [str(EFACTURA), "serve", "--port", str(port), "--demo"],
        env=clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while not any("efactura is running" in line for line in lines):
            line = process.stdout.readline()
            assert line or process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "".join(lines)
            lines.append(line)
        text = "".join(lines)
        bank = re.search(r"Online banking \(demo Banco Demo, OpenID provider\): (\S+)/", text)
        assert bank, text
        assert "12345678Z  Banca-Demo-2026" in text

        while True:  # the web server answers a moment after the announcement
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.3)
        browser = requests.Session()
        portal = browser.get(bank.group(1) + "/", timeout=10).text
        einvoice = re.search(r'<a class="einvoice" href="([^"]+)"', portal)
        assert einvoice and einvoice.group(1) == f"http://127.0.0.1:{port}/sso/login?next=/payable/"
        login_page = browser.get(einvoice.group(1).replace("&amp;", "&"), timeout=30)
        assert "Usuario / User" in login_page.text
        action = re.search(r'<form method="post" action="([^"]+)"', login_page.text)
        assert action
        landed = browser.post(
            requests.compat.urljoin(login_page.url, action.group(1)),
            data={"login": "12345678Z", "password": "Banca-Demo-2026"},
            headers={"Accept-Language": "en"},
            timeout=30,
        )
        assert landed.url == f"http://127.0.0.1:{port}/payable/"
        assert "Hostelería Cantábrica, S.A." in landed.text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as answer:
            assert "Entrar desde la banca online (Banco Demo)" in answer.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=60)
    with pytest.raises(OSError):
        urllib.request.urlopen(bank.group(1) + "/", timeout=2)


def test_without_node_the_demo_says_how_to_enable_it(
    monkeypatch: Any, tmp_path: Path, capsys: Any
) -> None:
    from efactura import cli

    monkeypatch.setattr(provider_process, "PROVIDER_DIR", tmp_path)
    monkeypatch.delenv("EFACTURA_OIDC_ISSUER", raising=False)
    monkeypatch.setenv("EFACTURA_BASE_URL", "http://127.0.0.1:8000")

    started = cli._start_demo_bank(argparse.Namespace(port=8000))

    assert started is None
    message = capsys.readouterr().err
    assert "Sign-in from online banking is off in this demo" in message
    assert "npm ci --prefix" in message


def test_a_configured_bank_is_used_instead_of_the_demo_bank(monkeypatch: Any) -> None:
    from efactura import cli

    monkeypatch.setenv("EFACTURA_OIDC_ISSUER", "https://login.banco.example")

    assert cli._start_demo_bank(argparse.Namespace(port=8000)) is None
