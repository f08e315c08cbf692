"""The twenty-seventh round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout34.jsonl and tagger_heldout35.jsonl, generalised (headlines written here, not
taken from the sets).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged


def test_denials_tallies_and_reactions_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "科技部有关负责人：从未出台限制科研人员出国参会的规定",
        "State Dept says there is no policy to pause Chinese student visas",
        "The NIH foreign-influence reviews, counted: 246 scientists and 112 departures",
        "众院传唤令再指访问学者 华裔学者：寒蝉效应",
        "高校教师赴台交流接连受罚 教师工会：规范不清",
        "University says it will fully cooperate with Senate subpoena on lab visitors",
        "Visa provisions dropped from defense bill in conference",
        "多所高校暂停接收公派访问学者 等待州议会法案表决",
        "Graduate union asks governor to veto lab-hiring ban",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_new_actors_and_actions(tagger: Tagger) -> None:
    alerts = (
        "Fukuoka Prefecture to pay relocation grants to researchers leaving US labs",
        "Supreme Court declines to hear challenge to H-1B lottery rule for universities",
        "Australia lets international students work 30 hours a week from July",
        "教育部预告修正陆生来台办法 博士班名额拟增至500名",
        "中美科技合作协定续签 新增研究安全条款",
    )
    assert_alerts(tagger, alerts)


def test_time_since_tightening_is_background(tagger: Tagger) -> None:
    assert_alerts(tagger, ("联邦政府学签收紧两年 多伦多留学中介生意冷清",), alert=False)


def test_out_of_scope_listings_crimes_and_performers(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger, "export-controls", ("Entity List rule names nine parts traders in Shenzhen",)
    )
    assert_not_tagged(
        tagger,
        "research-security",
        (
            "Chinese graduate student charged in hit-and-run near campus",
            "Professor charged with spending grant money on family trips",
            "Senate passes bill to name post office for physicist",
        ),
    )
    assert_not_tagged(tagger, "visa-policy", ("K-pop band's O-1 visas approved before US tour",))
