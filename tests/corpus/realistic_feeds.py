"""Realistic feeds for bench/ingest, written from the field's vocabulary (`vocabulary`).

Whole RSS 2.0 and Atom documents whose items carry about 2.5 KB each, the way news and think-tank
feeds publish full articles: paragraphs, links, emphasis, lists, quotes, an image, entities. One
feed in eight is Chinese; one story in 25 is a wire story that ten feeds carry word for word.
Feed n at version v holds stories v … v + items - 1, newest first, so bumping a feed's version
publishes one story and drops the oldest. Deterministic: the same bytes on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.corpus.vocabulary import CHINESE, SOURCES, TOPICS

FEED_START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
_HTML_TARGET = 1800  # bytes of article HTML per item (≈ 2.5 KB per item once escaped and wrapped)
_ENGLISH_LINKS = [
    "https://www.uscis.gov/newsroom", "https://travel.state.gov/visa-bulletin",
    "https://www.federalregister.gov/documents", "https://www.bis.doc.gov/entity-list",
    "https://opendoorsdata.org/fast_facts", "https://www.nsf.gov/research-security",
]  # fmt: skip
_CHINESE_SENTENCES = [
    "多所高校近日发布海外优秀青年人才引进公告，重点引进人工智能和集成电路方向的青年学者。",
    "有留学生表示，签证行政审查时间延长，不得不推迟入学或改变研究计划。",
    "专家认为，人才竞争正在改变中美科研合作的格局，学术交流的渠道明显收窄。",
    "报道称，相关政策将影响理工科研究生、博士后和访问学者的赴美计划。",
    "地方政府为回国科学家提供科研启动经费、住房补贴和子女入学便利。",
    "美国商务部将多所中国大学列入实体清单，相关实验室的国际合作受到限制。",
    "國家自然科學基金委員會表示，將擴大對青年科學家的資助規模。",
    "研究人员指出，顶尖人工智能人才中有相当比例在中国完成本科教育。",
]  # fmt: skip


def _english_paragraphs(rng: random.Random, topic: str) -> list[str]:
    words = TOPICS[topic]
    paragraphs = []
    for _ in range(24):
        lead = (
            f"{rng.choice(words['subjects'])} {rng.choice(words['verbs'])} "
            f"{rng.choice(words['objects'])}"
        )
        detail = rng.choice(words["details"])
        shape = rng.randrange(6)
        link = rng.choice(_ENGLISH_LINKS)
        if shape == 0:
            paragraphs.append(
                f'<p><strong>{lead}.</strong> {detail} <a href="{link}">Read the notice</a>.</p>'
            )
        elif shape == 1:
            paragraphs.append(f"<blockquote><p>&#8220;{detail}&#8221;</p></blockquote>")
        elif shape == 2:
            items = "".join(f"<li>{rng.choice(words['objects'])}</li>" for _ in range(3))
            paragraphs.append(f"<p>The changes cover:</p><ul>{items}</ul>")
        elif shape == 3:
            paragraphs.append(f"<p>{lead}, officials said on {rng.choice(_WEEKDAYS)}. {detail}</p>")
        elif shape == 4:
            paragraphs.append(
                f"<p>{detail} Analysts at <em>{rng.choice(SOURCES[:34])}</em> say the "
                f"move&nbsp;follows {rng.choice(words['objects'])} &amp; earlier guidance.</p>"
            )
        else:
            paragraphs.append(
                f'<p><img src="https://cdn.example.net/img/{rng.randrange(10**6)}.jpg" '
                f'alt="{lead}" width="640" height="360"/><br/>{detail}</p>'
            )
    return paragraphs


_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _chinese_paragraphs(rng: random.Random, topic: str) -> list[str]:
    paragraphs = []
    for _ in range(24):
        sentences = "".join(rng.sample(_CHINESE_SENTENCES, k=2))
        if rng.random() < 0.3:
            sentences = f"<strong>{rng.choice(CHINESE[topic])}</strong>：{sentences}"
        paragraphs.append(f"<p>{sentences}</p>")
    return paragraphs


def story_html(rng: random.Random, topic: str, chinese: bool) -> str:
    """About `_HTML_TARGET` bytes of article HTML on `topic`."""
    paragraphs = (_chinese_paragraphs if chinese else _english_paragraphs)(rng, topic)
    kept: list[str] = []
    size = 0
    for paragraph in paragraphs:
        kept.append(paragraph)
        size += len(paragraph.encode())
        if size >= _HTML_TARGET:
            break
    return "\n".join(kept)


@dataclass(frozen=True, slots=True)
class FeedStory:
    title: str
    link: str
    guid: str
    author: str
    published: datetime
    categories: tuple[str, ...]
    html: str


def feed_story(feed: int, story: int) -> FeedStory:
    """Story `story` of feed `feed`: always the same text."""
    wire = story % 25 == 7  # a wire story several outlets carry word for word: one item
    rng = random.Random(f"wire:{feed // 10}:{story}" if wire else f"story:{feed}:{story}")
    topic = rng.choice(list(TOPICS))
    chinese = is_chinese_feed(feed) and not wire
    host = f"news{feed}.example.org"
    if chinese:
        title = f"{rng.choice(CHINESE[topic])}（{story + 1}）"
    else:
        words = TOPICS[topic]
        title = (
            f"{rng.choice(words['subjects'])} {rng.choice(words['verbs'])} "
            f"{rng.choice(words['objects'])}"
        )
    published = FEED_START + timedelta(hours=6 * story + (0 if wire else feed % 6))
    slug = f"{published:%Y/%m}/story-{story}"
    link = f"https://{host}/{slug}?utm_source=rss&utm_medium=feed"
    if wire:
        link = f"https://wire.example.com/{published:%Y/%m}/{feed // 10}-{story}"
    return FeedStory(
        title=title,
        link=link,
        guid=f"https://{host}/?p={story}",
        author=rng.choice(["Staff", "Wire reporters", "Lin Wei", "Dana Brooks", "陈静"]),
        published=published,
        categories=(topic, rng.choice(list(TOPICS))),
        html=story_html(rng, topic, chinese),
    )


def is_chinese_feed(feed: int) -> bool:
    return feed % 8 == 5


def is_atom_feed(feed: int) -> bool:
    return feed % 3 == 1


def realistic_feed(feed: int, items: int = 50, version: int = 0) -> bytes:
    """Feed `feed` at `version` as RSS 2.0 or Atom bytes (see the section comment)."""
    stories = [feed_story(feed, s) for s in range(version + items - 1, version - 1, -1)]
    if is_atom_feed(feed):
        return _atom(feed, stories)
    return _rss(feed, stories)


def _rss(feed: int, stories: list[FeedStory]) -> bytes:
    language = "zh-cn" if is_chinese_feed(feed) else "en-us"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">',
        f"<channel><title>Talent desk {feed}</title><link>https://news{feed}.example.org/</link>",
        f'<atom:link href="https://news{feed}.example.org/feed" rel="self" '
        'type="application/rss+xml"/>',
        f"<description>News on science talent, feed {feed}</description>",
        f"<language>{language}</language><ttl>30</ttl>",
    ]
    for n, story in enumerate(stories):
        cdata = (feed + n) % 2 == 0
        body = f"<![CDATA[{story.html}]]>" if cdata else escape(story.html)
        byline = (
            f"<dc:creator>{escape(story.author)}</dc:creator>"
            if n % 3
            else f"<author>desk@news{feed}.example.org ({escape(story.author)})</author>"
        )
        parts.append(
            f"<item><title>{escape(story.title)}</title><link>{escape(story.link)}</link>"
            f'<guid isPermaLink="true">{story.guid}</guid>'
            f"<pubDate>{format_datetime(story.published, usegmt=True)}</pubDate>{byline}"
            + "".join(f"<category>{c}</category>" for c in story.categories)
            + f"<description>{body}</description></item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def _atom(feed: int, stories: list[FeedStory]) -> bytes:
    language = "zh-CN" if is_chinese_feed(feed) else "en"
    updated = stories[0].published.isoformat() if stories else FEED_START.isoformat()
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{language}">',
        f"<title>Talent analysis {feed}</title>",
        f'<link href="https://news{feed}.example.org/" rel="alternate"/>',
        f'<link href="https://news{feed}.example.org/feed.atom" rel="self"/>',
        f"<id>tag:news{feed}.example.org,2025:feed</id><updated>{updated}</updated>",
    ]
    for n, story in enumerate(stories):
        element = "summary" if n % 2 else "content"
        parts.append(
            f"<entry><title>{escape(story.title)}</title>"
            f'<link href="{escape(story.link, {chr(34): "&quot;"})}" rel="alternate" '
            'type="text/html"/>'
            f"<id>tag:news{feed}.example.org,2025:{story.guid.rsplit('=', 1)[1]}</id>"
            f"<published>{story.published.isoformat()}</published>"
            f"<updated>{story.published.isoformat()}</updated>"
            f"<author><name>{escape(story.author)}</name></author>"
            + "".join(f'<category term="{c}"/>' for c in story.categories)
            + f'<{element} type="html">{escape(story.html)}</{element}></entry>'
        )
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")
