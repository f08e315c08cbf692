"""A small archive for the search tests: English, simplified and traditional Chinese.

Written for these tests (not copied articles). `store_corpus` writes it through the real
`store_items`, so the search index is filled by the same triggers as in production.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.db import Database
from storage.items import store_items
from storage.models import Item
from storage.sources import SourceSpec, add_source
from storage.types import NewItem

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


# (source, key, title, summary, days ago, tags, alert, language)
STORIES: list[tuple[str, str, str, str, float, dict[str, float], bool, str | None]] = [
    ("USCIS news", "uscis-fee", "USCIS finalizes H-1B fee rule",
     "The final rule raises the H-1B lottery registration fee for employers from April.",
     1, {"visa-policy": 0.95}, True, "en"),
    ("USCIS news", "uscis-opt", "STEM OPT extension guidance updated",
     "Students on OPT must report employer changes within ten days, the guidance says.",
     3, {"visa-policy": 0.8, "student-mobility": 0.6}, True, "en"),
    ("Federal Register", "fr-proclamation", "Proclamation 10043 enforcement expanded",
     "A proclamation suspends entry of some Chinese graduate students linked to military-civil "
     "fusion; visa revocations follow.", 5, {"visa-policy": 0.9, "research-security": 0.5},
     True, "en"),
    ("Nature careers", "nature-returnee", "Physicist leaves Princeton for Westlake University",
     "Sea turtles: a returnee explains why she moved her lab from the US back to China.",
     2, {"returnees": 0.9}, False, "en"),
    ("Nature careers", "nature-survey", "Survey: young scientists weigh leaving the US",
     "Researchers cite visa delays and the China Initiative; many consider brain drain real.",
     12, {"returnees": 0.6, "student-mobility": 0.5}, False, "en"),
    ("Science Insider", "si-nspm", "NSF publishes NSPM-33 research security guidance",
     "Universities must run research security training; critics warn of a chilling effect.",
     20, {"research-security": 0.9}, True, "en"),
    ("Science Insider", "si-entity", "BIS adds two universities to the Entity List",
     "Students at the listed universities lose access to controlled semiconductor tools.",
     40, {"export-controls": 0.9}, True, "en"),
    ("Science Insider", "si-opinion", "Opinion: the visa wars hurt American science",
     "An op-ed argues that visa rules push talent toward rival labs.",
     8, {"visa-policy": 0.5}, False, "en"),
    ("MacroPolo", "mp-ai", "Global AI talent tracker: where top researchers train",
     "Nearly half of top AI researchers studied as undergraduates in China; DeepSeek hires "
     "locally.", 30, {"ai-talent": 0.95}, False, "en"),
    ("MacroPolo", "mp-semis", "Semiconductor engineers follow the money",
     "Semiconductors drive hiring of engineers; a semiconductor fab in Arizona recruits abroad.",
     60, {"ai-talent": 0.4}, False, "en"),
    ("新华网", "xh-visa", "美国收紧中国留学生签证政策",
     "多名理工科研究生反映签证被拒，行政审查时间延长。", 4,
     {"visa-policy": 0.9, "student-mobility": 0.7}, True, "zh"),
    ("新华网", "xh-talent", "深圳推出海外高层次人才引进计划",
     "计划为回国科学家提供住房和实验室经费。", 9, {"talent-programs": 0.9}, True, None),
    ("聯合報", "udn-visa", "美國國務院撤銷部分中國學生簽證",
     "學者表示，簽證延誤讓不少學生改變留學計劃。", 6,
     {"visa-policy": 0.85}, True, "zh-TW"),
    ("聯合報", "udn-returnee", "旅美學者回國潮持續",
     "多位海歸科學家談回國原因。", 15, {"returnees": 0.8}, False, "zh-Hant"),
    ("Lawfare", "lf-old", "The China Initiative, two years on",
     "Prosecutions of academics fell apart; the program ended in 2022.",
     400, {"research-security": 0.8}, False, "en"),
    ("Lawfare", "lf-mixed", "H1B签证 and the talent race: a bilingual explainer",
     "Résumé of the café debate — naïve rules, 🚀 launches and the “H-1B” cap.",
     7, {"visa-policy": 0.6}, False, "en"),
]  # fmt: skip

SOURCE_NAMES = sorted({story[0] for story in STORIES})


def corpus_items() -> list[tuple[str, NewItem]]:
    return [
        (
            source,
            NewItem(
                key=key,
                title=title,
                summary=summary,
                published_at=_ago(days),
                url=f"https://news.example/{key}",
                tags=tags,
                alert=alert,
                language=language,
            ),
        )
        for source, key, title, summary, days, tags, alert, language in STORIES
    ]


def store_corpus(database: Database) -> dict[str, int]:
    """Store the corpus, one batch per source; return item ids by key."""
    with database.session() as session:
        ids = {name: add_source(session, SourceSpec(name, f"https://{i}.example/feed")).id
               for i, name in enumerate(SOURCE_NAMES)}  # fmt: skip
        for source, item in corpus_items():
            store_items(session, ids[source], [item])
    with database.session() as session:
        return {key: item_id for key, item_id in session.execute(select(Item.key, Item.id))}
