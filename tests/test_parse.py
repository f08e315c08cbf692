"""Bytes → entries: every feed format we promise, and every way a body can fail to be a feed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from feeds.entries import MAX_ENTRIES, MAX_TITLE, ParseError
from feeds.federal_register import parse_documents, request_url
from feeds.parse import parse_feed

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_rss20_entries_with_dates_links_and_html_summaries() -> None:
    feed = parse_feed(_fixture("rss20.xml"), {"content-type": "application/rss+xml"})
    assert feed.format == "rss20"
    assert feed.language == "en-US"
    assert [e.entry_id for e in feed.entries] == ["visadesk-1001", "visadesk-1002", "visadesk-1003"]
    first = feed.entries[0]
    assert first.title == "F-1 students: new guidance on reduced course loads"
    assert first.published == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    assert "<b>Designated School Official</b>" in first.summary  # HTML is kept for normalise
    assert first.summary_is_html
    assert first.link is not None and first.link.startswith("/news/reduced-course-load")
    assert feed.entries[2].published is None


def test_rss10_and_atom_parse() -> None:
    rdf = parse_feed(_fixture("rss10.xml"))
    assert rdf.format == "rss10"
    assert rdf.entries[1].title.startswith("Do talent programs raise research output")
    assert rdf.entries[0].updated == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # dc:date

    atom = parse_feed(_fixture("atom.xml"))
    assert atom.format == "atom10"
    first, second = atom.entries
    assert first.title_is_html and "<em>" in first.title
    assert "<strong>103</strong>" in first.summary  # xhtml content stands in for a summary
    assert first.updated == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert first.language == "en-GB"
    assert second.published == datetime(2026, 2, 25, 8, 0, tzinfo=UTC)
    assert not second.summary_is_html


def test_netscape_rss091_doctype_is_not_refused() -> None:
    feed = parse_feed(_fixture("netscape091.xml"))
    assert feed.format == "rss091n"
    assert feed.entries[0].title == "Exchange visitor program renewed"


def test_malformed_but_recoverable_feed_parses_with_a_warning() -> None:
    feed = parse_feed(_fixture("malformed.xml"))
    assert [e.entry_id for e in feed.entries] == ["a", "b"]
    assert feed.warnings and "malformed" in feed.warnings[0]


@pytest.mark.parametrize(
    ("name", "content_type", "message"),
    [
        ("page.html", "text/html; charset=utf-8", "not a feed"),
        ("garbage.bin", "application/octet-stream", "not a feed"),
    ],
)
def test_not_a_feed_is_an_error(name: str, content_type: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_feed(_fixture(name), {"content-type": content_type})


def test_empty_body_is_an_error() -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_feed(b"  \n")


def test_a_body_that_looks_like_a_path_is_never_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(_fixture("rss20.xml"))
    # Given a bytes path, feedparser.parse would open the file; we hand it a stream instead.
    with pytest.raises(ParseError):
        parse_feed(str(secret).encode())


def test_quadratic_blowup_is_refused_before_feedparser_expands_it() -> None:
    big = "x" * 50_000
    bomb = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "{big}">\n]>\n'
        f'<rss version="2.0"><channel><title>{"&big;" * 2000}</title></channel></rss>'
    ).encode()
    with pytest.raises(ParseError, match="entities"):
        parse_feed(bomb)
    # Garbage before the DTD makes expat stop early; feedparser's loose parser would still
    # expand the entity, so a malformed document declaring entities is refused too.
    with pytest.raises(ParseError, match="entities"):
        parse_feed(b"junk\n" + bomb)


def test_field_lengths_and_entry_count_are_capped() -> None:
    items = "".join(
        f"<item><title>{'T' * (MAX_TITLE + 500)}</title><guid>{n}</guid></item>"
        for n in range(MAX_ENTRIES + 5)
    )
    feed = parse_feed(f'<rss version="2.0"><channel>{items}</channel></rss>'.encode())
    assert len(feed.entries) == MAX_ENTRIES
    assert len(feed.entries[0].title) == MAX_TITLE


def test_declared_charset_of_a_chinese_feed_is_honoured() -> None:
    text = (
        '<?xml version="1.0" encoding="gb18030"?><rss version="2.0"><channel>'
        "<title>人才新闻</title><language>zh-cn</language>"
        "<item><title>青年千人计划调整申报条件</title><guid>n1</guid></item>"
        "</channel></rss>"
    )
    feed = parse_feed(text.encode("gb18030"), {"content-type": "application/xml"})
    assert feed.entries[0].title == "青年千人计划调整申报条件"
    assert feed.language == "zh-cn"


def test_federal_register_documents_keep_type_agencies_and_dates() -> None:
    feed = parse_documents(_fixture("federal_register.json"))
    assert feed.format == "federal_register"
    assert [e.document_number for e in feed.entries] == ["2026-01111", "2026-02222"]
    assert feed.warnings == ("1 results without a document number or title",)
    rule, proposed = feed.entries
    assert rule.doc_type == "Rule"
    assert rule.agencies == (
        "Homeland Security Department",
        "U.S. Citizenship and Immigration Services",
    )
    assert rule.effective_on == date(2026, 2, 14)
    assert rule.comments_close_on is None
    assert rule.published is not None and rule.published.date() == date(2026, 1, 15)
    assert rule.summary.startswith("Final rule. DHS amends")
    assert proposed.doc_type == "Proposed Rule"
    assert proposed.comments_close_on == date(2026, 4, 13)
    assert proposed.agencies == ("U.S. Immigration and Customs Enforcement",)  # raw_name
    # The action is already part of the abstract: not repeated.
    assert proposed.summary.startswith("Notice of proposed rulemaking: DHS proposes")


def test_federal_register_response_without_results_is_empty_not_an_error() -> None:
    assert parse_documents(b'{"count": 0, "description": "nothing"}').entries == ()


@pytest.mark.parametrize("body", [b"<html></html>", b"[1, 2]", b'{"errors": ["bad"]}'])
def test_federal_register_rejects_other_bodies(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_documents(body)


def test_federal_register_url_stays_within_the_api_clamps() -> None:
    base = "https://www.federalregister.gov/api/v1/documents.json"
    url = request_url(f"{base}?conditions[agencies][]=state-department&per_page=5000")
    assert "per_page=1000" in url
    assert "order=newest" in url
    assert "fields[]=comments_close_on" in url and "fields[]=effective_on" in url
    assert "conditions[agencies][]=state-department" in url
    assert "per_page=2&" in request_url(f"{base}?per_page=1")
    assert "order=relevance" in request_url(f"{base}?order=relevance")
    # Stable: the same source URL always asks for the same thing (conditional GET relies on it).
    assert request_url(f"{base}?per_page=50") == request_url(f"{base}?per_page=50")
    with pytest.raises(ValueError, match="page"):
        request_url(f"{base}?page=51")
    with pytest.raises(ValueError, match="page"):
        request_url(f"{base}?per_page=1000&page=11")
