"""Normalisation: canonical URLs, stable keys, plain text, UTC dates, language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from feeds.entries import ParsedFeed, RawEntry
from feeds.federal_register import parse_documents
from feeds.normalize import (
    canonical_url,
    clean_link,
    html_to_text,
    language_of,
    normalize_entries,
    trusted_ids,
)
from feeds.parse import parse_feed

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://News.Example.org:443/a/b?utm_source=rss&id=7&utm_medium=x#frag",
            "https://news.example.org/a/b?id=7",
        ),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/x?b=2&a=1&fbclid=abc", "http://example.org:8080/x?a=1&b=2"),
        ("https://example.org/p?gclid=1&mc_cid=2&at_medium=3", "https://example.org/p"),
        ("javascript:alert(1)", None),
        ("mailto:desk@example.org", None),
        ("", None),
    ],
)
def test_canonical_url(url: str, expected: str | None) -> None:
    assert canonical_url(url) == expected


def test_relative_links_resolve_against_the_feed() -> None:
    base = "https://visadesk.example.edu/feeds/rss.xml"
    assert canonical_url("/news/a?utm_source=x", base) == "https://visadesk.example.edu/news/a"
    # The shown link keeps its own order and fragment, losing only the tracking parameters.
    assert clean_link("/news/a?z=1&utm_source=x&a=2#p", base) == (
        "https://visadesk.example.edu/news/a?z=1&a=2#p"
    )


def test_html_to_text_drops_markup_scripts_and_decodes_entities() -> None:
    html = "<p>One &amp; two</p><p>three<br>four</p><script>evil()</script><style>p{}</style>"
    assert html_to_text(html) == "One & two three four"
    assert html_to_text("plain   text\n") == "plain text"


def test_language_prefers_script_over_a_wrong_declaration() -> None:
    assert language_of("美国收紧理工科留学生签证", "en-US") == "zh"
    assert language_of("H-1B lottery changes", "en-US") == "en"
    assert language_of("H-1B lottery changes", None, "fr_CA") == "fr"
    assert language_of("no declaration") is None


def _entry(entry_id: str | None, title: str = "A", link: str | None = None) -> RawEntry:
    return RawEntry(title=title, entry_id=entry_id, link=link)


def test_guids_are_trusted_only_when_present_and_unique_per_story() -> None:
    assert trusted_ids((_entry("1"), _entry("2")))
    assert trusted_ids((_entry("1", "A"), _entry("1", "A")))  # an exact repeat is harmless
    assert not trusted_ids((_entry("1", "A"), _entry("1", "B")))  # one guid, two stories
    assert not trusted_ids((_entry("1"), _entry(None)))


def _normalize(feed: ParsedFeed, url: str = "https://feed.example.org/rss") -> list:  # type: ignore[type-arg]
    return normalize_entries(feed, feed_url=url, fetched_at=FETCHED)


def test_rss_entries_normalise_end_to_end() -> None:
    feed = parse_feed((FIXTURES / "rss20.xml").read_bytes())
    first, second, third = _normalize(feed, "https://visadesk.example.edu/feeds/rss.xml")
    assert first.title == "F-1 students: new guidance on reduced course loads"
    assert first.summary == (
        "The Designated School Official must approve any reduced course load & report it in SEVIS."
    )
    assert first.canonical_url == "https://visadesk.example.edu/news/reduced-course-load?id=42"
    assert first.url == "https://visadesk.example.edu/news/reduced-course-load?id=42#top"
    assert first.published_at == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    assert first.language == "en"
    assert first.entry_id == "visadesk-1001"
    assert second.summary == "Plain text description with no markup."
    assert third.published_at == FETCHED  # no date in the feed: the fetch time


def test_keys_are_stable_and_scoped() -> None:
    feed = ParsedFeed(entries=(_entry("1234", "Story", "https://a.example/s"),))
    [from_a] = _normalize(feed, "https://a.example/rss")
    [again] = _normalize(feed, "https://a.example/rss?page=1")
    [from_b] = _normalize(feed, "https://b.example/rss")
    assert from_a.key == again.key  # same site, same guid
    assert from_a.key != from_b.key  # a bare number means nothing across sites
    url_guid = ParsedFeed(entries=(_entry("https://a.example/?p=9", "S"),))
    assert _normalize(url_guid, "https://a.example/rss")[0].key == (
        _normalize(url_guid, "https://mirror.example/rss")[0].key
    )


def test_untrusted_guids_fall_back_to_the_canonical_link_then_title_and_date() -> None:
    churn = ParsedFeed(
        entries=(
            _entry("same", "First story", "https://x.example/1?utm_source=a"),
            _entry("same", "Second story", "https://x.example/2"),
        )
    )
    first, second = _normalize(churn)
    assert first.key.startswith("u:") and first.key != second.key
    relinked = ParsedFeed(
        entries=(_entry(None, "First story", "https://x.example/1?utm_medium=b"),)
    )
    assert _normalize(relinked)[0].key == first.key  # tracking parameters do not matter

    bare = ParsedFeed(entries=(RawEntry(title="No link", published=FETCHED),))
    assert _normalize(bare)[0].key.startswith("t:")
    assert _normalize(bare)[0].key == _normalize(bare)[0].key


def test_dates_become_utc_and_far_future_dates_are_pulled_back() -> None:
    eastern = timezone(timedelta(hours=-5))
    feed = ParsedFeed(
        entries=(
            RawEntry(title="a", entry_id="a", published=datetime(2026, 3, 2, 9, 0, tzinfo=eastern)),
            RawEntry(title="b", entry_id="b", published=FETCHED + timedelta(days=30)),
            RawEntry(title="c", entry_id="c", updated=datetime(2026, 3, 1, tzinfo=UTC)),
        )
    )
    a, b, c = _normalize(feed)
    assert a.published_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert a.published_at.tzinfo == UTC
    assert b.published_at == FETCHED
    assert c.published_at == datetime(2026, 3, 1, tzinfo=UTC)


def test_federal_register_documents_key_on_the_document_number() -> None:
    feed = parse_documents((FIXTURES / "federal_register.json").read_bytes())
    rule, _proposed = _normalize(feed, "https://www.federalregister.gov/api/v1/documents.json")
    assert rule.key == "fr:2026-01111"
    assert rule.document_number == "2026-01111"
    assert rule.doc_type == "Rule"
    assert rule.agencies[1] == "U.S. Citizenship and Immigration Services"
    assert rule.language == "en"


def test_titles_from_html_and_missing_titles() -> None:
    feed = ParsedFeed(
        entries=(
            RawEntry(title="A <em>big</em> change", title_is_html=True, entry_id="1"),
            RawEntry(title="", entry_id="2", summary="<p>Only a summary here.</p>"),
            RawEntry(title="", entry_id="3"),
        )
    )
    first, second, third = _normalize(feed)
    assert first.title == "A big change"
    assert second.title == "Only a summary here."
    assert third.title == "(untitled)"
