"""The regex paths of `html_to_text` read HTML as html.parser does, and stop early safely."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.normalize import _TextExtractor, collapse, html_to_text, shorten

FRAGMENTS = [
    "<p>", "</p>", "<br/>", "<br>", "<svg>", "</svg>", "<svg/>", "<iframe src=x/>",
    '<a href="x>y">', "</a>", "<b >", "</b >", "< b>", "</ b>", "<!-- c -->", "<!-- c -- >",
    "<!-->", "<!--", "-->", "&amp;", "&amp", "&#8220;", "&#x41;", "&nbsp;", "&", ";", "<", ">",
    "text", " ", "\n", "\xa0", "\u2003", "é", "中文", "<script>x<y</script>", "<style>", "</style>",
    "<!DOCTYPE html>", "<?pi?>", "<a b=c d>", "<a b='q'>", '<a b = "q" >', '<a b="q"c="d">',
    "</a b>", "<head>", "</head>", "<noscript>", "</noscript>", '<img alt="a/>b"/>',
    '<x:y z:w="1">', "</>", "<a/b>", "<a =b>", "<a b=>", '<a\tb="1"\n>', "&lt;p&gt;", "<P>",
    "</P>", "<template/>", "</template>", "<SVG>", "<svg:rect/>", "<heading>", "&am<!-- -->p;",
]  # fmt: skip


def _html_parser_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return collapse("".join(extractor.parts))


@settings(max_examples=3000)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
def test_html_to_text_matches_html_parser(html: str) -> None:
    assert html_to_text(html) == _html_parser_text(html)


@settings(max_examples=500)
@given(
    st.lists(
        st.sampled_from(
            ["<p>", "</p>", "<br/>", "word ", "text. ", "中文", "&amp;", "<svg>", "</svg>"]
        ),
        max_size=600,
    ).map("".join),
    st.sampled_from([20, 120, 500]),
)
def test_stopping_early_gives_the_same_shortened_text(html: str, limit: int) -> None:
    assert shorten(html_to_text(html, limit), limit) == shorten(html_to_text(html), limit)


@given(st.text())
def test_collapse_knows_the_same_whitespace_as_the_regex(text: str) -> None:
    assert collapse(text) == re.sub(r"\s+", " ", text).strip()
