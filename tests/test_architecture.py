"""The packages depend one way: storage ← feeds, storage ← digests, everything ← bot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "talentbrief"

# What each package may import from the project, besides itself and talentbrief.errors.
ALLOWED = {
    "storage": set(),
    "feeds": {"storage"},
    "digests": {"storage"},
    "bot": {"storage", "feeds", "digests"},
}


def _project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "talentbrief" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package: str) -> None:
    allowed = ALLOWED[package] | {package, "errors"}
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_project_imports(path) - allowed)
        for path in (PACKAGE / package).rglob("*.py")
        if _project_imports(path) - allowed
    }
    assert offenders == {}
