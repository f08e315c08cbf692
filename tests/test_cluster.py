"""Event clustering: tellings of one event join across wording and language, stages stay
apart, the most authoritative telling leads, and every join can be explained."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from digests.cluster import cluster_items, explain_clusters
from digests.compose import build_digest
from digests.events.face import AGENCY_RELEASE, GOVERNMENT_DOCUMENT, OTHER, WIRE_SERVICE, authority
from digests.events.features import read_telling
from digests.render.data import digest_to_data
from digests.render.slack import render_slack
from digests.render.text import render_markdown, render_text
from storage.types import StoredItem

T0 = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)


def item(number: int, title: str, summary: str = "", **extra: Any) -> StoredItem:
    source = extra.pop("source", f"Outlet {number}")
    hours = extra.pop("hours", 0)
    values: dict[str, Any] = {
        "id": number,
        "key": f"k{number}",
        "title": title,
        "summary": summary,
        "url": f"https://news{number}.example/story/{number}",
        "published_at": T0 + timedelta(hours=hours),
        "first_seen_at": T0 + timedelta(hours=hours, minutes=5),
        "source": source,
        "sources": (source,),
        "tags": {"visa-policy": 0.8},
        "alert": False,
        "reasons": {},
        "language": "en",
    }
    values.update(extra)
    return StoredItem(**values)


def groups(items: list[StoredItem]) -> set[frozenset[int]]:
    return {frozenset(i.id for i in cluster.items) for cluster in cluster_items(items)}


# One event, five tellings: the agency's release, a wire, a law firm, and two Chinese outlets.
OPT_RULE = [
    item(
        1,
        "DHS Proposes Rule to Limit Optional Practical Training Extensions for STEM Graduates",
        "The Department of Homeland Security proposed to shorten the STEM OPT extension from "
        "24 to 12 months for students who graduate after October 1, 2026.",
        source="DHS news",
        url="https://www.dhs.gov/news/2026/04/14/opt-proposal",
        source_priority=2,
    ),
    item(
        2,
        "US moves to halve work period for foreign STEM graduates",
        "Homeland Security wants to cut the science and engineering extension of Optional "
        "Practical Training to 12 months, a blow to international students.",
        source="Reuters",
        url="https://www.reuters.com/world/us/opt-stem-2026-04-14/",
        hours=1,
    ),
    item(
        3,
        "Client alert: DHS plans 12-month cap on STEM OPT; what universities should tell students",
        "Comments on the proposal are due in 60 days; students already on a 24-month extension "
        "keep it.",
        source="Harbor Point Immigration Law",
        hours=20,
    ),
    item(
        4,
        "美国土安全部拟将STEM专业OPT延期缩短至12个月",
        "美国国土安全部提出规则草案，2026年10月1日后毕业的国际学生，"
        "STEM OPT延期将由24个月减为12个月。",
        source="联合早报",
        language="zh",
        hours=6,
    ),
    item(
        5,
        "美國擬縮短STEM畢業生OPT延長期 留學生憂就業",
        "國土安全部提議將STEM選擇性實習訓練延長期由24個月縮短為12個月，中國留學生擔心求職時間不足。",
        source="中央社",
        language="zh",
        hours=8,
    ),
]


def test_paraphrases_and_chinese_tellings_of_one_event_join() -> None:
    assert groups(OPT_RULE) == {frozenset({1, 2, 3, 4, 5})}


def test_english_chinese_pairs_join_in_both_scripts() -> None:
    english, simplified, traditional = OPT_RULE[1], OPT_RULE[3], OPT_RULE[4]
    assert groups([english, simplified]) == {frozenset({2, 4})}
    assert groups([english, traditional]) == {frozenset({2, 5})}


def test_unrelated_stories_of_the_same_day_stay_apart() -> None:
    others = [
        item(
            10,
            "USCIS opens H-1B registration for fiscal year 2028",
            "Employers may register beneficiaries from March 1 to March 20.",
            source="USCIS news",
        ),
        item(
            11,
            "Tsinghua recruits US-trained chemists with new lab grants",
            "The university offers start-up packages to researchers returning from abroad.",
        ),
        item(
            12,
            "美国国务院恢复在华签证面谈",
            "美国驻华使领馆宣布，学生签证面谈预约将于下月恢复。",
            language="zh",
        ),
    ]
    assert groups(OPT_RULE + others) == {
        frozenset({1, 2, 3, 4, 5}),
        frozenset({10}),
        frozenset({11}),
        frozenset({12}),
    }


def test_stages_of_one_program_stay_apart() -> None:
    proposed = OPT_RULE[:2]
    withdrawn = [
        item(
            20,
            "DHS withdraws proposal to shorten STEM OPT extension",
            "The department said it would keep the 24-month extension for STEM graduates.",
            source="DHS news",
            hours=30,
        ),
        item(
            21,
            "US drops plan to cut STEM OPT work period to 12 months",
            "Homeland Security rescinded the proposal after universities objected.",
            source="Associated Press",
            hours=31,
        ),
    ]
    assert groups(proposed + withdrawn) == {frozenset({1, 2}), frozenset({20, 21})}


def test_a_charge_and_a_conviction_stay_apart_and_a_clarification_is_its_own_event() -> None:
    charged = item(
        30,
        "Physicist charged with hiding ties to Chinese talent program",
        "Prosecutors say Professor Alan Brightwater of Rivermont University concealed a "
        "Thousand Talents contract from the Energy Department.",
    )
    convicted = item(
        31,
        "Rivermont physicist convicted of hiding Thousand Talents contract",
        "A jury found Professor Alan Brightwater guilty of making false statements to the "
        "Energy Department.",
        hours=48,
    )
    announced = item(
        32,
        "White House orders $5,000 fee on F-1 visa renewals",
        "The proclamation applies to renewals filed from May 1.",
        source="Reuters",
    )
    clarified = item(
        33,
        "White House clarifies $5,000 F-1 fee applies only to new renewals",
        "Press secretary says students with pending renewals will not pay the fee.",
        source="Associated Press",
        hours=20,
    )
    result = groups([charged, convicted, announced, clarified])
    assert result == {frozenset({30}), frozenset({31}), frozenset({32}), frozenset({33})}
    assert read_telling(charged).stage == "charged"
    assert read_telling(convicted).stage == "convicted"
    assert read_telling(clarified).stage == "clarified"


def test_clustering_is_deterministic_whatever_the_input_order() -> None:
    items = [*OPT_RULE, item(40, "USCIS opens H-1B registration", source="USCIS news")]
    expected = [[i.id for i in c.items] for c in cluster_items(items)]
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted([i.id for i in c.items] for c in cluster_items(shuffled)) == sorted(expected)


def test_the_most_authoritative_telling_leads_and_the_others_are_linked() -> None:
    document = item(
        50,
        "Temporary Limits on STEM Optional Practical Training Extensions",
        "Proposed rule. DHS proposes to reduce the STEM OPT extension from 24 to 12 months.",
        source="Federal Register: DHS students and exchange visitors",
        url="https://www.federalregister.gov/documents/2026/04/15/2026-07777/stem-opt",
        doc_type="Proposed Rule",
        source_priority=3,
        hours=16,
    )
    wire_copy = item(
        51,
        "US proposes 12-month cap on STEM OPT extension - Reuters",
        "The Department of Homeland Security proposed shortening STEM OPT from 24 to 12 months.",
        source="Google News: H-1B",
        url="https://news.google.com/rss/articles/abc",
        hours=2,
    )
    assert [authority(i) for i in (document, OPT_RULE[0], wire_copy, OPT_RULE[2])] == [
        GOVERNMENT_DOCUMENT,
        AGENCY_RELEASE,
        WIRE_SERVICE,
        OTHER,
    ]
    everything = [OPT_RULE[2], wire_copy, OPT_RULE[3], document, OPT_RULE[0], OPT_RULE[1]]
    alerting = [*everything[:1], *(i for i in everything[1:])]
    alerting[0] = item(3, OPT_RULE[2].title, OPT_RULE[2].summary, hours=20, alert=True)
    [cluster] = cluster_items(alerting)
    assert [i.id for i in cluster.items[:4]] == [50, 1, 2, 51]  # document, agency, wires
    assert cluster.alert  # the law firm's telling was flagged, so the event is an alert

    digest = build_digest(
        alerting,
        channel="desk",
        window_start=T0 - timedelta(days=1),
        window_end=T0 + timedelta(days=1),
    )
    [entry] = digest.entries
    assert entry.item.id == 50 and entry.alert and digest.sections[0].key == "alerts"
    assert entry.also[:2] == ("DHS news", "Reuters")
    assert ("DHS news", "https://www.dhs.gov/news/2026/04/14/opt-proposal") in entry.also_links
    slack = json.dumps(render_slack(digest))
    assert "<https://www.dhs.gov/news/2026/04/14/opt-proposal|DHS news>" in slack
    markdown = render_markdown(digest)
    assert "[Reuters](<https://www.reuters.com/world/us/opt-stem-2026-04-14/>)" in markdown
    text = render_text(digest)
    assert "  + DHS news: https://www.dhs.gov/news/2026/04/14/opt-proposal" in text
    data = digest_to_data(digest)["sections"][0]["entries"][0]
    assert data["alert"] is True and data["item_ids"][0] == 50
    assert {"source": "Reuters", "url": OPT_RULE[1].url} in data["also_links"]


def test_explain_says_why_items_were_joined() -> None:
    [cluster] = explain_clusters(OPT_RULE)
    assert cluster["lead"] == 1
    # The agency, then the wires (Reuters, 中央社), then the others, earliest first.
    assert [member["id"] for member in cluster["items"]] == [1, 2, 5, 4, 3]
    assert cluster["items"][0]["authority"] == "agency release"
    assert cluster["stage"] == "proposed"
    joins = cluster["joins"]
    assert len(joins) == 4  # five tellings, four joins
    cross = [j for j in joins if {4, 5} & set(j["items"]) and {1, 2, 3} & set(j["items"])]
    assert cross, joins
    assert any("OPT" in j["shared"] or "STEM OPT" in j["shared"] for j in joins)
    assert all(0 < j["score"] <= 1 and j["evidence"] > 0 for j in joins)
    json.dumps(cluster)  # plain data
    assert explain_clusters([OPT_RULE[0]]) == []  # nothing joined, nothing to explain


def test_a_repeat_of_an_event_shown_earlier_is_left_out_and_a_new_stage_is_not() -> None:
    yesterday = [
        item(60, OPT_RULE[0].title, OPT_RULE[0].summary, source="DHS news", hours=-20),
    ]
    today = [
        OPT_RULE[1],  # another outlet's telling of yesterday's event
        item(
            61,
            "DHS withdraws proposal to shorten STEM OPT extension",
            "The department will keep the 24-month extension for STEM graduates.",
            source="DHS news",
            hours=26,
        ),
        item(62, "Tsinghua recruits US-trained chemists with new lab grants", hours=2),
    ]
    digest = build_digest(
        today,
        channel="desk",
        window_start=T0 - timedelta(hours=1),
        window_end=T0 + timedelta(hours=30),
        earlier=yesterday,
    )
    assert {entry.item.id for entry in digest.entries} == {61, 62}
    assert digest.repeated == 1
    assert "1 story from earlier digests not repeated" in digest.footer
    [repeat] = [c for c in cluster_items(today, earlier=yesterday) if c.shown_before]
    assert [i.id for i in repeat.items] == [2] and [i.id for i in repeat.earlier] == [60]
    # Nothing earlier: everything is new.
    fresh = build_digest(
        today,
        channel="desk",
        window_start=T0 - timedelta(hours=1),
        window_end=T0 + timedelta(hours=30),
    )
    # The wire's story of the proposal came out a day before the withdrawal: not about it.
    assert fresh.repeated == 0 and len(fresh.entries) == 3


def test_near_copies_join_without_names_and_word_salad_does_not() -> None:
    copies = [
        item(70, "visa lab fellowship quantum campus lottery hiring"),
        item(71, "visa lab fellowship quantum campus lottery hiring - Outlet wire", hours=1),
        item(72, "visa lab grant export review survey harbor", hours=2),
        item(73, "campus lottery grant satellite review railway", hours=3),
    ]
    assert groups(copies) == {frozenset({70, 71}), frozenset({72}), frozenset({73})}


def test_federal_register_dates_and_tags_of_the_cluster() -> None:
    document = item(
        80,
        "Additions to the Entity List",
        "Rule. BIS adds Harbin Institute of Technology and 11 other entities.",
        source="Federal Register: BIS Entity List",
        url="https://www.federalregister.gov/documents/2026/04/14/2026-07000/additions",
        doc_type="Rule",
        effective_on=date(2026, 4, 14),
        tags={"export-controls": 0.6},
    )
    news = item(
        81,
        "Commerce blacklists Harbin Institute of Technology and 11 other Chinese entities",
        "Students at the university may face export licensing for US software.",
        source="Associated Press",
        tags={"export-controls": 0.9, "student-mobility": 0.5},
        hours=1,
    )
    digest = build_digest(
        [news, document],
        channel="desk",
        window_start=T0 - timedelta(days=1),
        window_end=T0 + timedelta(days=1),
    )
    [entry] = digest.entries
    assert entry.item.id == 80  # the rule itself leads
    assert entry.tags == {"export-controls": 0.9, "student-mobility": 0.5}
    assert entry.topic == "export-controls"


def test_a_city_or_a_policy_area_alone_does_not_make_one_event() -> None:
    analysis = item(
        90,
        "Why returnee scientists are choosing Hangzhou over Beijing",
        "Our study of 300 researchers who left US universities finds Hangzhou's start-up "
        "grants and housing matter more than national talent programs.",
        source="Talent policy think tank",
    )
    feature = item(
        91,
        "从波士顿到杭州：一位海归生物学家的创业故事",
        "一位在美国工作十年的生物学家回国后在杭州创办实验室，讲述海归人才面临的新环境。",
        source="科技人才观察",
        language="zh",
        hours=5,
    )
    notice = item(
        92,
        "Research Security Training Requirement for Federal Award Recipients",
        "Notice. The agency requests comments on certifying that institutions train "
        "researchers in research security.",
        source="Federal Register: research security",
        doc_type="Notice",
    )
    essay = item(
        93,
        "Research security rules are chilling collaboration, university officers say",
        "Compliance staff at five universities describe training and disclosure burdens.",
        source="Talent policy think tank",
        hours=3,
    )
    assert groups([analysis, feature, notice, essay]) == {
        frozenset({90}),
        frozenset({91}),
        frozenset({92}),
        frozenset({93}),
    }


def test_a_final_rule_and_the_season_it_opens_are_different_events() -> None:
    rule = item(
        95,
        "Weighted Selection Process for Cap-Subject H-1B Petitions",
        "Final rule. DHS amends the H-1B cap selection so that registrations are weighted by "
        "the wage level of the offered position.",
        source="Federal Register: USCIS",
        doc_type="Rule",
    )
    season = item(
        96,
        "USCIS Announces FY 2028 H-1B Cap Registration Period",
        "Registration opens March 8; it is the second season under weighted selection, which "
        "gives higher wage levels more chances.",
        source="USCIS news",
        hours=30,
    )
    assert groups([rule, season]) == {frozenset({95}), frozenset({96})}
