"""The layers of docs/architecture.md hold: no module imports a layer above its own, and Streamlit is
imported only by the app layer and the entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.query import warehouse

PACKAGE = warehouse.PROJECT_ROOT / "dashboard"
# layer -> the project layers it may import (itself always allowed)
BASE = {
    "registry",
    "settings",
    "safeyaml",
    "filecache",
    "export",
    "access",
}  # cross-cutting, below every layer
ALLOWED: dict[str, set[str]] = {
    "registry": set(),
    "safeyaml": set(),
    "filecache": set(),
    "export": set(),
    "settings": {"safeyaml", "filecache"},
    "access": {"settings"},
    "sample": set(),
    "query": BASE,
    "ingest": {"query", "model", "sample"} | BASE,  # a load runs the model's preparers
    "model": {"query"} | BASE,
    "present": BASE,
    "review": {"query", "model", "present"} | BASE,
    "app": {"query", "ingest", "model", "present", "review", "sample"} | BASE,
    "cli": {"query", "ingest", "model", "present", "review", "sample"} | BASE,
    "__main__": {"cli"},
    "__init__": set(),
}


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> set[str]:
    """Top-level names imported: 'streamlit', or the dashboard layer for `dashboard.X...` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            whole = node.module == "dashboard"
            names = [f"dashboard.{a.name}" for a in node.names] if whole else [node.module]
        for name in names:
            parts = name.split(".")
            found.add(parts[1] if parts[0] == "dashboard" and len(parts) > 1 else parts[0])
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    layer = _layer(path)
    project_layers = set(ALLOWED) - {"__main__", "__init__"}
    used = _imports(path) & project_layers - {layer}
    assert used <= ALLOWED[layer], f"{path.name} ({layer}) imports {sorted(used - ALLOWED[layer])}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_streamlit_only_in_the_app_layer(path: Path) -> None:
    if _layer(path) != "app":
        assert "streamlit" not in _imports(path), f"{path} imports Streamlit outside dashboard/app/"


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nfrom dashboard.app import cache\nfrom dashboard import review\n")
    assert {"streamlit", "app", "review"} <= _imports(bad)
