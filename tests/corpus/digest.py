"""A fixed, hand-written set of items for digest tests, and adversarial ones.

The stories are invented for the tests (realistic in shape, not copied from any outlet).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.topics import topic_catalog
from feeds.tagging.taxonomy import load_taxonomy
from storage.types import NewItem, StoredItem

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 08:00 in New York
WINDOW_START = NOW - timedelta(days=1)
# The digest sections of the default taxonomy, as the application core passes them.
CATALOG = topic_catalog(load_taxonomy())


def _stored(item_id: int, title: str, **extra: Any) -> StoredItem:
    source = extra.pop("source", "Wire")
    values: dict[str, Any] = {
        "id": item_id,
        "key": f"k{item_id}",
        "title": title,
        "summary": "",
        "url": f"https://news.example/{item_id}",
        "published_at": NOW - timedelta(hours=item_id),
        "first_seen_at": NOW - timedelta(hours=item_id) + timedelta(minutes=5),
        "source": source,
        "sources": (source,),
        "tags": {},
        "alert": False,
        "reasons": {},
    }
    values.update(extra)
    return StoredItem(**values)


def fixed_items() -> list[StoredItem]:
    """Fourteen items: two alerts, one story from three outlets, every default topic."""
    return [
        _stored(
            1,
            "USCIS proposes new H-1B registration fee and a weighted lottery",
            summary=(
                "The proposed rule would raise the registration fee and weight the lottery by "
                "offered wage. Comments are due within 30 days of publication."
            ),
            url="https://www.federalregister.gov/documents/2026/03/01/2026-01234/h-1b",
            source="Federal Register: USCIS",
            tags={"visa-policy": 0.95},
            alert=True,
            doc_type="Proposed Rule",
            effective_on=None,
            comments_close_on=date(2026, 3, 31),
            source_priority=3,
        ),
        _stored(
            2,
            "State Department pauses visa interviews for some graduate researchers",
            summary="A cable instructs consulates to route certain STEM applicants to review.",
            source="State Department press releases",
            tags={"visa-policy": 0.9, "research-security": 0.6},
            alert=True,
            source_priority=2,
        ),
        _stored(
            3,
            "Physicist leaves Michigan lab for Westlake University after 15 years",
            summary="She is the third senior researcher from the department to move this year.",
            source="Science news",
            tags={"returnees": 0.85},
        ),
        _stored(
            4,
            "Physicist leaves Michigan lab for Westlake University after 15 years - Nature",
            summary="A profile of a condensed-matter physicist returning to Hangzhou.",
            source="Nature news",
            tags={"returnees": 0.8},
        ),
        _stored(
            5,
            "Michigan physicist leaves lab for Westlake University after 15 years",
            source="Google News: China talent and visas",
            tags={"returnees": 0.7},
        ),
        _stored(
            6,
            "Shenzhen expands its overseas talent subsidy to postdoctoral researchers",
            summary="Housing and research grants now reach postdocs recruited from abroad.",
            source="China Digital Times",
            tags={"talent-programs": 0.8},
        ),
        _stored(
            7,
            "NIH finishes its review of undisclosed foreign appointments",
            summary="The agency says most cases were resolved with corrected disclosures.",
            source="NSF news",
            tags={"research-security": 0.75},
            source_priority=1,
        ),
        _stored(
            8,
            "Commerce adds two engineering universities to the Entity List",
            summary="Students at the listed schools may face deemed-export licensing.",
            source="Federal Register: BIS Entity List",
            tags={"export-controls": 0.7},
            source_priority=3,
            doc_type="Rule",
            effective_on=date(2026, 3, 5),
        ),
        _stored(
            9,
            "Chinese enrolment in US graduate programs falls for a third year",
            summary="Survey data show the steepest drop in engineering and computer science.",
            source="ICEF Monitor",
            tags={"student-mobility": 0.8},
        ),
        _stored(
            10,
            "Where the authors of last year's top AI papers did their undergraduate degrees",
            summary="A new tally of conference authors traces half to Chinese universities.",
            source="CSET",
            tags={"ai-talent": 0.85},
            source_priority=1,
        ),
        _stored(
            11,
            "留学生签证审查时间延长，多名博士生推迟入学",
            summary="多所大学表示，今年秋季入学的部分博士生仍在等待行政审查结果。",
            source="DW Chinese",
            tags={"visa-policy": 0.6, "student-mobility": 0.5},
            language="zh",
        ),
        _stored(
            12,
            "Canada names research areas that need extra security review",
            summary="The list covers quantum, advanced materials and some AI subfields.",
            source="MERICS",
            tags={"research-security": 0.65},
        ),
        _stored(
            13,
            "Universities report fewer J-1 scholars from China this spring",
            source="The PIE News",
            tags={"student-mobility": 0.55},
        ),
        _stored(
            14,
            "Start-up founders weigh O-1 visas as H-1B odds shrink",
            summary="Immigration lawyers describe a rush to document extraordinary ability.",
            source="Rest of World",
            tags={"visa-policy": 0.5, "ai-talent": 0.3},
        ),
    ]


ADVERSARIAL_TITLES = [
    "A" * 10_000,
    "🇺🇸🇨🇳 " * 2_000,
    "👩‍🔬 researchers 👨🏽‍💻 " * 600,
    "@everyone @here <!channel> <!here> <@U123> <#C123> <@&456789012345678901> visa news",
    "[Click here](http://evil.example/phish) **bold** __u__ ~~s~~ `code` ||spoiler|| # heading",
    "<script>alert(1)</script> <b>HTML</b> &amp; &lt;tag&gt; <https://evil.example|fake link>",
    "قواعد التأشيرة الجديدة للباحثين \u202e\u2066 טקסט בעברית",
    "> quote\n- list\n1. ordered\n\u0007\u001b[31mred\u001b[0m",
    "e\u0301" * 3000,
    "https://evil.example/plain?x=<y>&z=|w",
]


def adversarial_items(count: int = 200) -> list[StoredItem]:
    """Hostile text everywhere, and enough items that every renderer must split."""
    items = []
    for number in range(count):
        title = ADVERSARIAL_TITLES[number % len(ADVERSARIAL_TITLES)] + f" {number}"
        items.append(
            _stored(
                1000 + number,
                title,
                summary=ADVERSARIAL_TITLES[(number + 3) % len(ADVERSARIAL_TITLES)] * 3,
                url=[
                    f"https://news.example/{number}?a=1&b=<2>|3",
                    "javascript:alert(1)",
                    "https://evil.example/" + "x" * 5000,
                    None,
                    "https://user:pw@evil.example/",
                    "https://news.example/a (b) [c]",
                ][number % 6],
                source=["Wire", "@everyone <!channel>", "Desk *bold*"][number % 3],
                tags={
                    ["visa-policy", "returnees", "weird tag`<@U1>", "ai-talent"][number % 4]: 0.5
                    + (number % 5) / 10
                },
                alert=number % 7 == 0,
                published_at=NOW - timedelta(minutes=number),
                first_seen_at=NOW - timedelta(minutes=number),
                doc_type="Rule <@U1>" if number % 9 == 0 else None,
                effective_on=date(2026, 4, 1) if number % 9 == 0 else None,
            )
        )
    return items


def as_new_item(item: StoredItem) -> NewItem:
    """The NewItem that stores as `item` (for database-backed tests)."""
    return NewItem(
        key=item.key,
        title=item.title,
        published_at=item.published_at,
        summary=item.summary,
        url=item.url,
        canonical_url=None,  # every fixture item is its own story in storage
        language=item.language,
        doc_type=item.doc_type,
        effective_on=item.effective_on,
        comments_close_on=item.comments_close_on,
        tags=dict(item.tags),
        alert=item.alert,
    )


def shifted(items: list[StoredItem], delta: timedelta) -> list[StoredItem]:
    return [
        replace(
            item, published_at=item.published_at + delta, first_seen_at=item.first_seen_at + delta
        )
        for item in items
    ]


HEADLINE_WORDS = [  # plain headline words, shared with bench/digest.py
    "visa",
    "lab",
    "fellowship",
    "quantum",
    "campus",
    "lottery",
    "export",
    "review",
    "grant",
    "chip",
    "consulate",
    "physics",
    "biology",
    "semiconductor",
    "university",
    "postdoc",
    "scholarship",
    "ministry",
    "embassy",
    "startup",
    "hiring",
    "survey",
    "ranking",
    "conference",
    "patent",
    "funding",
    "disclosure",
    "audit",
    "tribunal",
    "senate",
    "governor",
    "province",
    "scientist",
    "engineer",
    "student",
    "professor",
    "dean",
    "laboratory",
    "satellite",
    "battery",
    "vaccine",
    "genome",
    "robotics",
    "telescope",
    "reactor",
    "materials",
    "algorithm",
    "dataset",
    "compiler",
    "microscope",
    "fusion",
    "climate",
    "ocean",
    "glacier",
    "forest",
    "harbor",
    "railway",
    "bridge",
]


def distinct_title(number: int) -> str:
    """A title sharing few words with the others, so that clustering leaves it alone."""
    return " ".join(random.Random(number).sample(HEADLINE_WORDS, 6)) + f" ({number})"
