"""The format registry: every entry fulfils the contract and is documented (docs/formats.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from einvoice import formats

DOCS = Path(__file__).resolve().parents[3] / "docs"


@pytest.mark.parametrize("name", formats.available())
def test_every_format_fulfils_the_contract(name: str) -> None:
    module = formats.get(name)
    for function in ("detect", "validate_schema", "parse", "render"):
        assert callable(getattr(module, function, None)), f"{name} lacks {function}()"
    assert name == module.NAME
    assert module.DEFAULT_VERSION in module.VERSIONS


@pytest.mark.parametrize("name", formats.available())
def test_every_format_is_documented(name: str) -> None:
    index = (DOCS / "formats.md").read_text(encoding="utf-8")
    assert f"| `{name}` |" in index, f"docs/formats.md has no row for {name}"
    page = DOCS / "formats" / f"{name}.md"
    assert page.is_file(), f"{page} is missing"
    assert f'`NAME = "{name}"`' in page.read_text(encoding="utf-8")
