"""Run the local OpenID provider (``tools/oidc-provider``, node's ``oidc-provider``).

It stands in for a bank's identity provider in the demo (``efactura serve --demo``) and in the
tests.  :func:`start_provider` writes its configuration to a private file, starts ``node`` and
waits for the line announcing the issuer and the port it bound.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROVIDER_DIR = Path(
    os.environ.get("EFACTURA_OIDC_PROVIDER_DIR", "")
    or Path(__file__).resolve().parents[3] / "tools" / "oidc-provider"
)
"""Where ``server.mjs`` and its ``node_modules`` live (the project's ``tools/oidc-provider``)."""

START_TIMEOUT_SECONDS = 30.0


class ProviderUnavailable(Exception):
    """The local provider cannot run here; the message says how to make it possible."""


@dataclass
class RunningProvider:
    """A started provider: its issuer URL, port and process (stop it with :meth:`stop`)."""

    issuer: str
    port: int
    process: subprocess.Popen[str]
    config_file: Path
    log: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.config_file.unlink(missing_ok=True)


def check_available() -> str:
    """The ``node`` executable to use; :class:`ProviderUnavailable` says what is missing."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise ProviderUnavailable(
            "Node.js is not installed (Debian: apt-get install nodejs npm; scripts/start and "
            "scripts/test install it)."
        )
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise ProviderUnavailable(
            f"the provider's packages are not installed: run `npm ci --prefix {PROVIDER_DIR}` "
            "(scripts/start and scripts/test do it)."
        )
    return node


def start_provider(config: dict[str, Any]) -> RunningProvider:
    """Start the provider with ``config`` (see ``server.mjs``) and wait until it listens."""
    node = check_available()
    handle, name = tempfile.mkstemp(prefix="efactura-oidc-", suffix=".json")
    config_file = Path(name)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(config, stream)
    process = subprocess.Popen(
        # "localhost" in a client's back-channel address means the IPv4 loopback where
        # efactura's development servers listen (node would otherwise try ::1 first).
        [node, "--dns-result-order=ipv4first", str(PROVIDER_DIR / "server.mjs"), str(config_file)],
        cwd=PROVIDER_DIR,
        # The provider exits when this pipe closes: it never outlives this process.
        stdin=subprocess.PIPE,
        env={**os.environ, "OIDC_PROVIDER_STOP_ON_EOF": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        process_group=0,
    )
    log: list[str] = []
    threading.Thread(target=_drain, args=(process, log), daemon=True).start()
    announced: list[str] = []
    reader = threading.Thread(target=lambda: announced.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(START_TIMEOUT_SECONDS)
    line = announced[0] if announced else ""
    try:
        ready = json.loads(line)
        return RunningProvider(
            issuer=ready["issuer"],
            port=int(ready["port"]),
            process=process,
            config_file=config_file,
            log=log,
        )
    except (ValueError, KeyError, TypeError):
        process.kill()
        process.wait()
        config_file.unlink(missing_ok=True)
        raise ProviderUnavailable(
            "the local OpenID provider did not start: " + " ".join(log[-5:])
        ) from None


def _drain(process: subprocess.Popen[str], log: list[str]) -> None:
    """Keep the provider's standard error (warnings) readable without filling the pipe."""
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line.rstrip())
        del log[:-200]
