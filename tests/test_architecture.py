"""The packages depend one way: storage ← feeds, storage ← digests, everything ← bot.

Absolute imports (`from storage.items import …`) and relative ones (`from .poll import …`) are
both resolved to the project package they reach. A relative import that climbs above its
top-level package (`from ..bot import config` inside storage/) is reported too: it names a
package by position rather than by name, and it is how a forbidden import would hide.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "digests", "feeds", "storage")
OUTSIDE = "<relative import above the package>"

# What each package may import from the project, besides itself.
ALLOWED = {
    "storage": set(),
    "feeds": {"storage"},
    "digests": {"storage"},
    "bot": {"storage", "feeds", "digests"},
}


def _resolve(node: ast.ImportFrom, package: list[str]) -> str:
    """The absolute module a relative `from` import names, or OUTSIDE."""
    climb = node.level - 1
    if climb >= len(package):
        return OUTSIDE
    base = package[: len(package) - climb]
    return ".".join([*base, *([node.module] if node.module else [])])


def project_imports(source: str, package: list[str]) -> set[str]:
    """The top-level project packages a module in `package` (e.g. ['feeds', 'tagging'])
    imports from."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else [_resolve(node, package)]
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES or name == OUTSIDE:
                found.add(name if name == OUTSIDE else top)
    return found


def _file_imports(path: Path) -> set[str]:
    return project_imports(path.read_text("utf-8"), list(path.relative_to(ROOT).parent.parts))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package: str) -> None:
    allowed = ALLOWED[package] | {package}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_file_imports(path) - allowed)
        for path in (ROOT / package).rglob("*.py")
        if _file_imports(path) - allowed
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("source", "package", "expected"),
    [
        ("from . import models", ["storage"], {"storage"}),
        ("from .poll import x", ["feeds", "tagging"], {"feeds"}),
        ("from ..poll import x", ["feeds", "tagging"], {"feeds"}),
        ("from ..bot import config", ["storage"], {OUTSIDE}),
        ("from ...storage import items", ["feeds", "tagging"], {OUTSIDE}),
        ("import bot.config", ["digests"], {"bot"}),
        ("from bot.config import Config", ["digests", "render"], {"bot"}),
        ("import sqlalchemy", ["storage"], set()),
    ],
)
def test_imports_are_resolved(source: str, package: list[str], expected: set[str]) -> None:
    assert project_imports(source, package) == expected
