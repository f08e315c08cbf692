"""Sample feeds bundled for `talentbrief demo`: invented content in the shapes real sources use.

`samples.toml` lists them; each names its file, kind, the URL such a feed would live at (the
base for relative links), its Content-Type and its tagger hints.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class SampleSource:
    name: str
    file: str
    url: str
    kind: str = "feed"
    content_type: str = "application/rss+xml"
    tags: tuple[str, ...] = ()
    priority: int = 0

    def body(self) -> bytes:
        return resources.files(__name__).joinpath(self.file).read_bytes()


def sample_sources() -> list[SampleSource]:
    text = resources.files(__name__).joinpath("samples.toml").read_text("utf-8")
    return [
        SampleSource(
            name=entry["name"],
            file=entry["file"],
            url=entry["url"],
            kind=entry.get("kind", "feed"),
            content_type=entry.get("content_type", "application/rss+xml"),
            tags=tuple(entry.get("tags", ())),
            priority=int(entry.get("priority", 0)),
        )
        for entry in tomllib.loads(text)["sources"]
    ]
