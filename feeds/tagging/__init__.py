"""The topic tagger: taxonomy data, rules, and the reasons each tag fired.

The tagger's modules load on first use of `Tagger`, `TagResult` or `load_tagger`: reading the
taxonomy (which every command does to check topic ids) does not pay for compiling rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feeds.tagging.tagger import Tagger, TagResult, load_tagger

__all__ = ["TagResult", "Tagger", "load_tagger"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from feeds.tagging import tagger  # noqa: PLC0415

        return getattr(tagger, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
