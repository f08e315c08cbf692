"""The lxml fast path gives exactly feedparser's entries, or declines and leaves it to feedparser.

Every sample and fixture feed, a set of feedparser-like edge cases and generated feeds are parsed
both ways (`parse_feed`, which tries the fast path first, and `parse_with_feedparser`); the
parsed feeds and the normalised items must be identical.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.entries import ParsedFeed
from feeds.normalize import normalize_entries
from feeds.parse import parse_feed, parse_with_feedparser
from feeds.parse_fast import parse_fast
from storage.errors import TalentbriefError
from tests.edge_feeds import EDGE_CASES, atom, rss

ROOT = Path(__file__).parent.parent
DOCUMENTS = sorted([*ROOT.glob("feeds/samples/*.xml"), *(ROOT / "tests" / "fixtures").iterdir()])
HEADER_SETS = [
    {"content-type": "application/rss+xml; charset=utf-8"},
    {"content-type": "application/atom+xml"},
    {"content-type": "text/xml"},
    {"content-type": "text/html; charset=utf-8", "content-language": "en_GB"},
    {"content-language": "zh-CN"},
    {"content-type": "application/xml", "content-location": "https://feeds.example.org/a/b.xml"},
    {},
]
FETCHED_AT = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def _both(body: bytes, headers: dict[str, str], max_entries: int = 1000) -> tuple[object, object]:
    """(fast-path-first result, feedparser result): a ParsedFeed or the error's message."""
    results: list[object] = []
    for parse in (parse_feed, parse_with_feedparser):
        try:
            results.append(parse(body, headers, max_entries=max_entries))
        except TalentbriefError as exc:
            results.append(f"{type(exc).__name__}: {exc}")
    return results[0], results[1]


def _assert_identical(body: bytes, headers: dict[str, str], max_entries: int = 1000) -> None:
    fast, slow = _both(body, headers, max_entries)
    assert fast == slow
    if isinstance(fast, ParsedFeed):
        url = "https://feeds.example.org/feed.xml"
        assert isinstance(slow, ParsedFeed)
        assert normalize_entries(fast, feed_url=url, fetched_at=FETCHED_AT) == normalize_entries(
            slow, feed_url=url, fetched_at=FETCHED_AT
        )


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
@pytest.mark.parametrize("headers", HEADER_SETS, ids=range(len(HEADER_SETS)))
def test_samples_and_fixtures_parse_identically(path: Path, headers: dict[str, str]) -> None:
    _assert_identical(path.read_bytes(), headers)


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
@pytest.mark.parametrize("headers", HEADER_SETS[:3] + HEADER_SETS[4:6], ids=range(5))
def test_edge_cases_parse_identically(name: str, headers: dict[str, str]) -> None:
    _assert_identical(EDGE_CASES[name], headers)


FAST = [
    "rss_plain", "rss_title_looks_like_html", "rss_first_title_empty", "rss_relative_links",
    "rss_content_then_description", "rss_author_with_email", "rss_dc_creator", "rss_dates",
    "rss_mojibake_and_c1", "rss_cdata_and_comments", "rss_media_and_extensions",
    "rss_media_group", "rss_atom_link_in_item", "rss_channel_image_and_more", "rss_utf8_bom",
    "rss_ascii_declared_gb2312", "atom_basic", "atom_id_before_link", "atom_links_mixed",
    "atom_summary_then_content", "atom_languages", "atom_feed_level", "atom_entries_mixed",
]  # fmt: skip


@pytest.mark.parametrize("name", FAST)
def test_common_feeds_take_the_fast_path(name: str) -> None:
    assert parse_fast(EDGE_CASES[name], HEADER_SETS[0], 1000) is not None


def test_the_samples_in_rss_20_and_atom_take_the_fast_path() -> None:
    taken = {
        path.name
        for path in DOCUMENTS
        if parse_fast(path.read_bytes(), {"content-type": "application/xml"}, 1000) is not None
    }
    assert {"uscis_news.xml", "thinktank_atom.xml", "chinese_news.xml", "rss20.xml"} <= taken


@pytest.mark.parametrize("name", ["rss_many_items", "atom_entries_mixed"])
def test_the_entry_cap_keeps_the_first_entries_on_both_paths(name: str) -> None:
    body = EDGE_CASES[name]
    _assert_identical(body, HEADER_SETS[0], max_entries=2)
    parsed = parse_feed(body, HEADER_SETS[0], max_entries=2)
    assert len(parsed.entries) == 2 and parsed.entries_cut == parsed.total_entries - 2 > 0


# Generated feeds: items assembled from feedparser-sensitive pieces, in any order and number.
RSS_ITEM_PARTS = [
    "<title>Visa rule</title>", "<title></title>", "<title>  H-1B &amp; OPT  </title>",
    "<title>&lt;b&gt;Bold&lt;/b&gt; move</title>", "<title>Caf\u00c3\u00a9 talk</title>",
    "<title><![CDATA[A <i>quoted</i> title]]></title>", "<title>Fee&#x93;s</title>",
    "<link>https://a.example.org/x?a=1&amp;b=2</link>", "<link>/relative/path</link>",
    "<link> </link>", '<guid isPermaLink="false">id-1</guid>', "<guid>https://a.example.org/p</guid>",
    "<guid>/guid/path</guid>", '<guid isPermaLink="true">g2</guid>',
    "<description>&lt;p&gt;Para&lt;/p&gt;</description>", "<description>plain</description>",
    "<description></description>", "<content:encoded><![CDATA[<p>Full</p>]]></content:encoded>",
    "<pubDate>Mon, 02 Mar 2026 14:30:00 GMT</pubDate>", "<pubDate>2026-03-02</pubDate>",
    "<pubDate>not a date</pubDate>", "<dc:date>2026-03-01T08:00:00+08:00</dc:date>",
    "<author>desk@example.org (Desk)</author>", "<dc:creator>Lin Wei</dc:creator>",
    "<category>visa</category>", '<enclosure url="https://a.example.org/a.mp3" type="audio/mpeg"/>',
    "<comments>https://a.example.org/c</comments>", "<slash:comments>4</slash:comments>",
    '<media:content url="https://cdn.example.org/i.jpg"/>', "<atom:link href='/alt'/>",
    '<atom:link rel="self" href="https://a.example.org/self"/>', "<source url='x'>S</source>",
    "<media:title>Media title</media:title>", "<wfw:commentRss>/c.rss</wfw:commentRss>",
    '<title type="html">Typed</title>', '<description type="text">Typed text</description>',
    '<title xml:lang="fr">Titre</title>', "<Title>Upper</Title>", "<unknown><x>1</x></unknown>",
]  # fmt: skip
ATOM_ENTRY_PARTS = [
    "<title>Atom entry</title>", '<title type="html">&lt;em&gt;Em&lt;/em&gt;</title>',
    '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">X</div></title>',
    "<title></title>", "<id>tag:a.example.org,2026:1</id>", "<id>/relative-id</id>",
    '<link href="https://a.example.org/e1"/>', '<link rel="alternate" href="/e2" type="html"/>',
    '<link rel="related" href="https://b.example.org/"/>', '<link rel="self" href="/self"/>',
    '<link href="/x" type="application/xhtml+xml"/>', '<link rel="enclosure" href="/f.mp3"/>',
    "<updated>2026-03-02T09:00:00Z</updated>", "<published>2026-02-25T08:00:00-05:00</published>",
    '<summary type="html">&lt;p&gt;Sum&lt;/p&gt;</summary>', "<summary>Plain sum</summary>",
    '<content type="html">&lt;p&gt;Body&lt;/p&gt;</content>', "<content>Text body</content>",
    '<content type="text/html">Html body</content>', '<content src="https://a.example.org/c"/>',
    "<author><name>Mei</name><email>mei@example.org</email></author>",
    "<author><email>x@example.org</email></author>", "<author><uri>/m</uri><name>U</name></author>",
    "<contributor><name>C</name></contributor>", '<category term="visa"/>',
    '<summary xml:lang="de">Deutsch</summary>', "<rights>CC</rights>",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.sampled_from(RSS_ITEM_PARTS), max_size=7), min_size=1, max_size=3),
    st.sampled_from(HEADER_SETS),
)
def test_generated_rss_parses_identically(items: list[list[str]], headers: dict[str, str]) -> None:
    _assert_identical(rss(["".join(parts) for parts in items]), headers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.sampled_from(ATOM_ENTRY_PARTS), max_size=7), min_size=1, max_size=3),
    st.sampled_from(HEADER_SETS),
    st.sampled_from(["", ' xml:lang="en-US"', ' xml:lang=""', ' xml:lang="zh_CN"']),
)
def test_generated_atom_parses_identically(
    entries: list[list[str]], headers: dict[str, str], language: str
) -> None:
    _assert_identical(atom(["".join(parts) for parts in entries], feed_attrs=language), headers)
