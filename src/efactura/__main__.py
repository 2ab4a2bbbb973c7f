"""``python -m efactura`` is the same as the ``efactura`` command."""

from __future__ import annotations

import sys

from efactura.cli import main

sys.exit(main())
