"""The eighteenth round of issue 9: kinds of topic and alert error read on the retired
tagger_heldout19.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged


def test_schemes_approved_or_opened_for_scientists_are_talent_programs(tagger: Tagger) -> None:
    titles = (
        "Cabinet approves scheme for diaspora scientists' visiting posts",
        "Saskatchewan opens nominee stream for PhD grads of its universities",
        "Hong Kong adds quantum engineers to its Talent List",
        "湖北发布青年人才十条 博士后补贴翻倍",
    )
    assert_tagged(tagger, "talent-programs", titles)
    assert_not_tagged(tagger, "talent-programs", ("某县推出人才计划 引进家政服务人员",))


def test_aftermaths_moves_hearings_and_primers_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "被列入实体清单后 这所高校的研究生怎么样了",
        "From Ann Arbor to Bengaluru: a chemist comes home after his lab closes",
        "参议院听证会聚焦中国访问学者",
        "Counting the cases: 60 scientists charged, few convicted",
        "Deemed exports 101: what lab heads should know",
        "Doha university names Yale engineer as its next president",
    )
    assert_alerts(tagger, not_alerts, alert=False)
