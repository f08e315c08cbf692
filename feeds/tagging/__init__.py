"""The topic tagger: taxonomy data, rules, and the reasons each tag fired."""

from feeds.tagging.tagger import Tagger, TagResult, load_tagger

__all__ = ["TagResult", "Tagger", "load_tagger"]
