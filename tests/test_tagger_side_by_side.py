"""The tables the tagger copies afresh once loaded (for where they lie in memory) are the same
tables: equal values, signs of zero kept, shared rows still shared."""

from __future__ import annotations

import math
from typing import Any

from feeds.tagging.rules import _END, _afresh
from feeds.tagging.similar import _side_by_side


def test_the_models_table_is_copied_value_for_value() -> None:
    shared = (0.5, -0.0, 1.25)
    table = {"visa": shared, "簽證": shared, "lab": (0.0, 2.0, -1.5)}
    copy = _side_by_side(table)
    assert copy == table
    assert list(copy) == list(table)
    assert copy["visa"] is not shared  # made afresh …
    assert copy["visa"] is copy["簽證"]  # … and still one row for both features
    assert math.copysign(1.0, copy["visa"][1]) == -1.0  # -0.0 is not turned into 0.0


def test_a_trie_is_copied_node_for_node_with_its_ends_kept() -> None:
    keys = ("student visa",)
    trie: dict[str, Any] = {"student": {"visa": {_END: keys}, _END: "student"}}
    copy = _afresh(trie)
    assert copy == trie
    assert copy["student"] is not trie["student"]
    assert copy["student"]["visa"][_END] is keys  # what the ends report is the same object
