"""Small text tools shared by the search document, the tagger and the story clusterer.

They live here, in the bottom layer, because all three need them and feeds/ and digests/ may
import only storage/. Nothing heavy is imported: the tagger loads this without SQLAlchemy.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

_END = ""  # the trie key under which a node marks that a literal ends there


def literal_alternation(literals: Iterable[str]) -> str:
    """One regex alternation for many literal strings, sharing their prefixes, longest first.

    Far faster to match than `a|b|c…` over thousands of forms: the regex engine walks a trie.
    """
    trie: dict[str, Any] = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[_END] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if _END in node:  # a literal ends here: try the longer continuation first, then stop
            return f"(?:{body})?" if len(branches) == 1 else body + "?"
        return body

    return render(trie)


@cache
def traditional_to_simplified() -> dict[int, str]:
    """OpenCC's character table (one simplified form per traditional character), for
    `str.translate`: character by character, so a text's positions stay where they were."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or spec.origin is None:  # pragma: no cover - a declared dependency
        return {}
    table: dict[int, str] = {}
    path = Path(spec.origin).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[ord(parts[0])] = parts[1]
    return table
