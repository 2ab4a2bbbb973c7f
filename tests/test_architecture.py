"""Architecture rules that code review alone would let slip (STYLE.md, "Tests").

1. ``einvoice`` is a pure standards library: no module under ``src/einvoice`` imports Django
   (or the ``efactura`` project).
2. Web pages and API handlers never write models themselves: no ``.save(`` / ``.delete(`` /
   ``.objects.create(`` / ``.update(`` calls in ``src/efactura/web`` or ``src/efactura/api``;
   writes go through the domain services.  The service, model and migration modules that
   those packages may hold themselves (``services.py``, ``models.py``, ``migrations/``) are
   where writes belong, so they are not edges and are not scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
LIBRARY_MODULES = sorted((SRC / "einvoice").rglob("*.py"))
NOT_EDGES = {"services.py", "models.py"}
EDGE_MODULES = sorted(
    path
    for folder in ("web", "api")
    for path in (SRC / "efactura" / folder).rglob("*.py")
    if path.name not in NOT_EDGES and "migrations" not in path.parts
)
FORBIDDEN_LIBRARY_IMPORTS = ("django", "efactura", "ninja", "django_tasks_db")
WRITE_METHODS = {"save", "delete", "create", "update", "bulk_create", "bulk_update",
                 "get_or_create", "update_or_create"}  # fmt: skip
QUERYSET_METHODS = {"filter", "exclude", "all", "select_for_update", "select_related"}


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_there_are_library_modules_to_check() -> None:
    assert len(LIBRARY_MODULES) > 5


@pytest.mark.parametrize("path", LIBRARY_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_einvoice_imports_no_django(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [
        f"line {line}: {module}"
        for line, module in _imported_modules(tree)
        if module.split(".")[0] in FORBIDDEN_LIBRARY_IMPORTS
    ]
    assert not bad, f"{path.relative_to(SRC)} imports the web framework: {bad}"


def _direct_writes(tree: ast.AST) -> list[str]:
    """Calls like ``x.save()``, ``Model.objects.create(...)``, ``qs.update(...)``."""
    bad: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method not in WRITE_METHODS:
            continue
        target = node.func.value
        # obj.save() / obj.delete(); Model.objects.create(...); Model.objects.filter(...).update()
        through_manager = isinstance(target, ast.Attribute) and target.attr == "objects"
        through_queryset = (
            isinstance(target, ast.Call)
            and isinstance(target.func, ast.Attribute)
            and target.func.attr in QUERYSET_METHODS
        )
        if method in {"save", "delete"} or through_manager or through_queryset:
            bad.append(f"line {node.lineno}: .{method}(")
    return bad


def test_write_detector_finds_writes() -> None:
    sample = ast.parse(
        "def v(r):\n    c.save()\n    Company.objects.create(a=1)\n"
        "    Company.objects.filter(pk=1).update(x=1)\n    key.delete()\n"
    )
    assert len(_direct_writes(sample)) == 4
    harmless = "do_create_company(tax_id='x')\ncontext.update(a=1)\nd = {}.get('a')"
    assert _direct_writes(ast.parse(harmless)) == []


@pytest.mark.parametrize("path", EDGE_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_web_and_api_do_not_write_models(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = _direct_writes(tree)
    assert not bad, f"{path.relative_to(SRC)} writes models directly (use a service): {bad}"
