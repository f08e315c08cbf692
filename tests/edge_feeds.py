"""Small feeds that probe feedparser's quirks, for the fast-path differential test.

Each is a whole document; `rss()` and `atom()` wrap item bodies. Some are meant to take the fast
path (and must then give feedparser's exact entries), others to make it decline (and must then
reach feedparser unchanged).
"""

from __future__ import annotations

NAMESPACES = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:slash="http://purl.org/rss/1.0/modules/slash/" '
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
)


def rss(
    items: list[str],
    *,
    channel: str = "<title>Visa desk</title><link>https://visadesk.example.edu/</link>",
    prolog: str = '<?xml version="1.0" encoding="utf-8"?>',
    root: str = f'<rss version="2.0" {NAMESPACES}>',
) -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return f"{prolog}\n{root}<channel>{channel}{body}</channel></rss>".encode()


def atom(entries: list[str], *, feed_attrs: str = "", head: str = "<title>Think</title>") -> bytes:
    body = "".join(f"<entry>{entry}</entry>" for entry in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom"{feed_attrs}>{head}{body}</feed>'
    ).encode()


FRENCH_ROOT = f'<rss version="2.0" xml:lang="fr" {NAMESPACES}>'
ITEM = (
    "<title>USCIS updates H-1B fee guidance</title>"
    "<link>https://visadesk.example.edu/news/h1b-fee</link>"
    "<description>&lt;p&gt;Employers must &lt;b&gt;file&lt;/b&gt; again.&lt;/p&gt;</description>"
    "<pubDate>Mon, 02 Mar 2026 14:30:00 -0500</pubDate>"
    '<guid isPermaLink="false">visadesk-2001</guid>'
)

EDGE_CASES: dict[str, bytes] = {
    "rss_plain": rss([ITEM]),
    "rss_title_looks_like_html": rss(["<title>Visas &amp;amp; &lt;em&gt;fees&lt;/em&gt;</title>"]),
    "rss_title_with_entity_only": rss(["<title>R&amp;D &amp;copy; talent</title>"]),
    "rss_first_title_empty": rss(["<title> </title><title>Second</title><title>Third</title>"]),
    "rss_two_titles": rss(["<title>First</title><title>Second</title>"]),
    "rss_permalink_guid_is_link": rss(["<title>A</title><guid>https://x.example.org/p/1</guid>"]),
    "rss_guid_before_link": rss(
        ["<guid>https://x.example.org/g</guid><link>https://x.example.org/l</link>"]
    ),
    "rss_relative_links": rss(
        ["<title>R</title><link>news/a?x=1&amp;amp;y=2</link><guid>/g/1</guid>"]
    ),
    "rss_link_query_entities": rss(["<link>https://x.example.org/?a=1&amp;b=2&amp;copy;c=3</link>"]),
    "rss_description_then_content": rss(
        ["<description>Short</description><content:encoded>&lt;p&gt;Long&lt;/p&gt;</content:encoded>"]
    ),
    "rss_content_then_description": rss(
        ["<content:encoded>&lt;p&gt;Long&lt;/p&gt;</content:encoded><description>Short</description>"]
    ),
    "rss_content_only": rss(
        ["<title>C</title><content:encoded><![CDATA[<p>Only</p>]]></content:encoded>"]
    ),
    "rss_empty_description_with_content": rss(
        ["<description/><content:encoded>&lt;p&gt;Body&lt;/p&gt;</content:encoded>"]
    ),
    "rss_two_descriptions": rss(["<description>One</description><description>Two</description>"]),
    "rss_author_with_email": rss(["<author>visas@example.gov (Visa Desk)</author>"]),
    "rss_dc_creator": rss(["<title>A</title><dc:creator>陈静</dc:creator>"]),
    "rss_two_authors": rss(["<author>a@example.org</author><dc:creator>B</dc:creator>"]),
    "rss_dates": rss(
        [
            "<title>1</title><pubDate>Sun, 01 Mar 2026 09:20:00 +0800</pubDate>",
            "<title>2</title><pubDate>2026-03-01T09:20:00Z</pubDate>",
            "<title>3</title><dc:date>2026-02-28</dc:date>",
            "<title>4</title><pubDate>yesterday</pubDate><dc:date>2026-02-27T10:00:00+01:00</dc:date>",
            "<title>5</title><pubDate>Tue, 31 Feb 2026 25:00:00 XYZ</pubDate>",
        ]
    ),
    "rss_mojibake_and_c1": rss(["<title>CafÃ© &#x93;quoted&#x94; â€” dash</title>"]),
    "rss_cdata_and_comments": rss(["<title>A <!-- note --> B<?pi x?> C</title><![CDATA[ ]]>"]),
    "rss_whitespace_fields": rss(["<title>\n  Spaced  \n</title><description>\n</description>"]),
    "rss_channel_language_and_lang": rss(
        [ITEM], channel="<title>T</title><language>zh_CN</language>"
    ),
    "rss_xml_lang_on_items": rss(['<title xml:lang="en-GB">X</title>'], root=FRENCH_ROOT),
    "rss_empty_xml_lang": rss(['<title xml:lang="">X</title>'], root=FRENCH_ROOT),
    "rss_xml_base": rss(['<title>X</title><link xml:base="https://b.example.org/">a</link>']),
    "rss_media_and_extensions": rss(
        [
            ITEM
            + '<media:content url="https://cdn.example.org/a.jpg" medium="image"/>'
            + '<media:thumbnail url="https://cdn.example.org/t.jpg"/>'
            + "<slash:comments>3</slash:comments><wfw:commentRss>/c</wfw:commentRss>"
            + "<comments>https://x.example.org/c</comments>"
            + '<enclosure url="https://x.example.org/a.mp3" length="1" type="audio/mpeg"/>'
            + '<category domain="x">visa</category>'
        ]
    ),
    "rss_media_group": rss(['<media:group><media:content url="/a"/></media:group>']),
    "rss_media_title": rss(["<title>T</title><media:title>Other</media:title>"]),
    "rss_atom_link_in_item": rss(['<title>T</title><atom:link rel="alternate" href="/alt"/>']),
    "rss_source": rss(["<title>T</title><source url='https://s.example.org/'>S</source>"]),
    "rss_channel_image_and_more": rss(
        [ITEM],
        channel=(
            "<image><url>/i.png</url><title>Logo</title><link>/</link></image>"
            "<title>After image</title><ttl>30</ttl><skipHours><hour>1</hour></skipHours>"
            '<cloud domain="x" port="80" path="/" registerProcedure="p" protocol="xml-rpc"/>'
            "<managingEditor>ed@example.org (Ed)</managingEditor><generator>gen</generator>"
            "<atom:link href='https://x.example.org/feed' rel='self'/>"
            "<lastBuildDate>Mon, 02 Mar 2026 14:30:00 GMT</lastBuildDate>"
        ),
    ),
    "rss_textinput": rss([ITEM], channel="<textInput><title>Q</title><name>q</name></textInput>"),
    "rss_title_after_items": rss([ITEM], channel="<link>https://x.example.org/</link>").replace(
        b"</channel>", b"<title>Late title</title></channel>"
    ),
    "rss_no_items": rss([]),
    "rss_many_items": rss([f"<title>Item {n}</title><guid>id-{n}</guid>" for n in range(7)]),
    "rss_item_attributes": rss(['<title>T</title>']).replace(b"<item>", b'<item rdf:about="x" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'),
    "rss_namespace_on_item": rss(['<x:y xmlns:x="http://x.example.org/">1</x:y><title>T</title>']),
    "rss_dc_prefix_for_other_uri": rss(
        ["<title>T</title><dc:creator>Who</dc:creator>"],
        root='<rss version="2.0" xmlns:dc="http://purl.org/dc/terms/">',
    ),
    "rss_unknown_default_namespace": rss(
        ["<title>T</title>"], root='<rss version="2.0" xmlns="http://example.org/rss">'
    ),
    "rss_userland_namespace": rss(
        ["<title>T</title>"], root='<rss version="2.0" xmlns="http://backend.userland.com/rss2">'
    ),
    "rss_version_092": rss([ITEM], root='<rss version="0.92">'),
    "rss_version_201": rss([ITEM], root=f'<rss version="2.01" {NAMESPACES}>'),
    "rss_no_version": rss([ITEM], root="<rss>"),
    "rss_rss10_namespace_declared": rss(
        [ITEM], root='<rss version="2.0" xmlns:r="http://purl.org/rss/1.0/">'
    ),
    "rss_upper_case_names": rss(["<Title>Upper</Title><LINK>https://x.example.org/u</LINK>"]),
    "rss_undefined_entity": rss(["<title>A&nbsp;B</title>"]),
    "rss_numeric_entities": rss(["<title>&#8220;Quoted&#8221; &#x4e2d;&#25991;</title>"]),
    "rss_generic_with_children": rss(["<title>T</title><extra><title>Inner</title></extra>"]),
    "rss_generic_reserved_name": rss(
        ["<title>T</title><x:published_parsed xmlns:x='u'>1</x:published_parsed>"]
    ),
    "rss_latin1_declared": (
        "<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel>"
        "<item><title>Caf\xe9</title></item></channel></rss>"
    ).encode("latin-1"),
    "rss_ascii_declared_gb2312": rss([ITEM], prolog='<?xml version="1.0" encoding="gb2312"?>'),
    "rss_utf8_bom": b"\xef\xbb\xbf" + rss([ITEM]),
    "rss_utf16": rss(["<title>中文</title>"], prolog='<?xml version="1.0" encoding="utf-16"?>')
    .decode()
    .encode("utf-16"),
    "rss_doctype": rss([ITEM], prolog='<?xml version="1.0"?><!DOCTYPE rss SYSTEM "x.dtd">'),
    "rss_leading_whitespace": b"\n  " + rss([ITEM]),
    "rss_sibling_of_channel": rss([ITEM]).replace(b"</rss>", b"<extra/></rss>"),
    "rss_type_base64": rss(['<description type="application/octet-stream">SGk=</description>']),
    "atom_basic": atom(
        [
            "<title>Where AI researchers go</title><link href='https://t.example.org/a'/>"
            "<id>tag:t.example.org,2026:a</id><updated>2026-03-03T09:00:00-05:00</updated>"
            "<author><name>Mei Lin</name></author>"
            "<summary type='html'>&lt;p&gt;Traced 4,100 authors.&lt;/p&gt;</summary>"
        ]
    ),
    "atom_id_before_link": atom(["<id>https://t.example.org/id</id><link href='/alt'/>"]),
    "atom_link_before_id": atom(["<link href='/alt'/><id>https://t.example.org/id</id>"]),
    "atom_no_alternate": atom(["<id>urn:uuid:1</id><link rel='related' href='/r'/>"]),
    "atom_links_mixed": atom(
        [
            "<link rel='self' href='/s'/><link rel='alternate' type='text/html' href='/a1'/>"
            "<link rel='alternate' type='application/pdf' href='/a.pdf'/><link href='/a2'/>"
            "<link rel='enclosure' href='/e.mp3'/><link>text link</link>"
        ]
    ),
    "atom_summary_then_content": atom(["<summary>S</summary><content type='html'>C</content>"]),
    "atom_languages": atom(
        [
            "<title>1</title><summary>S</summary>",
            "<title xml:lang='de'>2</title>",
            "<summary xml:lang='fr'>3</summary>",
        ],
        feed_attrs=" xml:lang='en_US'",
    ),
    "atom_entry_language": atom(["<title>T</title>"]).replace(b"<entry>", b"<entry xml:lang='ja'>"),
    "atom_feed_level": atom(
        ["<title>E</title>"],
        head=(
            "<title type='html'>Feed &amp;amp; co</title><subtitle>Sub</subtitle>"
            "<link href='/' rel='alternate'/><id>tag:f</id><updated>2026-01-01T00:00:00Z</updated>"
            "<author><name>F</name></author><generator uri='/g'>G</generator><icon>/i.png</icon>"
            "<rights>R</rights><category term='c'/>"
        ),
    ),
    "atom_entries_mixed": atom([f"<title>E{n}</title><id>tag:e,{n}</id>" for n in range(5)]),
    "atom_source": atom(["<title>T</title><source><title>S</title></source>"]),
    "atom_03": b'<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title>T</title></entry></feed>',
}  # fmt: skip
EDGE_CASES.update(
    {
        f"atom_title_types_{n}": atom([entry])
        for n, entry in enumerate(
            [
                "<title type='html'>&lt;em&gt;Qiming&lt;/em&gt; returnees</title>",
                "<title type='text'>&lt;not html&gt;</title>",
                "<title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>X</div></title>",
            ]
        )
    }
)
EDGE_CASES.update(
    {
        f"atom_authors_{n}": atom([entry])
        for n, entry in enumerate(
            [
                "<title>1</title><author><name>A</name><email>a@example.org</email></author>",
                "<title>2</title><author><email>b@example.org</email><name>B</name></author>",
                "<title>3</title><author><email>c@example.org</email></author>",
                "<title>4</title><author><uri>/c</uri></author>",
                "<title>5</title><author>  Loose text  </author>",
                "<title>6</title><author><name>X</name></author><author><name>Y</name></author>",
            ]
        )
    }
)
EDGE_CASES.update(
    {
        f"atom_content_types_{n}": atom([entry])
        for n, entry in enumerate(
            [
                "<title>1</title><content type='html'>&lt;p&gt;H&lt;/p&gt;</content>",
                "<title>2</title><content type='text'>T</content>",
                "<title>3</title><content>Default</content><summary>S</summary>",
                "<title>4</title><content src='https://t.example.org/c' type='text/html'/>",
                "<title>5</title><content type='application/octet-stream'>SGk=</content>",
                "<title>6</title><content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>X</p></div></content>",
            ]
        )
    }
)
