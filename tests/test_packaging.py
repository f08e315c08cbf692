"""Every data file the packages read at run time ships in a non-editable install.

An editable install reads files from the checkout, so a data file missing from
`[tool.setuptools.package-data]` only fails after `pip install .` — the README's first command.
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "digests", "feeds", "storage")


def _declared(relative: Path, package_data: dict[str, list[str]]) -> bool:
    # The file may be declared by any enclosing package, with a path relative to it.
    for depth in range(1, len(relative.parts)):
        package = ".".join(relative.parts[:depth])
        inside = Path(*relative.parts[depth:]).as_posix()
        if any(fnmatch(inside, pattern) for pattern in package_data.get(package, ())):
            return True
    return False


def test_the_four_packages_are_shipped() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(pattern.rstrip("*") for pattern in include) == sorted(PACKAGES)
    assert config["project"]["scripts"]["talentbrief"] == "bot.cli:main"


def test_data_files_are_declared_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    data_files = [
        path.relative_to(ROOT)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    assert any(path.name == "defaults.toml" for path in data_files)
    missing = [str(path) for path in data_files if not _declared(path, package_data)]
    assert missing == []
