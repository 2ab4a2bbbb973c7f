"""Where the shared reference corpus lives (official schemas, artefacts, sample invoices).

CI clones the project with ``shared/`` beside it, so the default is ``../shared/corpus`` from
the project root; ``EFACTURA_CORPUS`` overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("EFACTURA_CORPUS", ROOT.parent / "shared" / "corpus"))


def samples(*parts: str, pattern: str = "*") -> list[Path]:
    """Sample files under ``CORPUS/parts…`` (recursively), sorted, skipping INDEX files."""
    base = CORPUS.joinpath(*parts)
    return sorted(
        p
        for p in base.rglob(pattern)
        if (p.is_file() and p.suffix.lower() in {".xml", ".xsig"}) or p.name.endswith(".XML")
    )
