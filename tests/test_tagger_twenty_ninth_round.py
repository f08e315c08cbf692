"""The twenty-ninth round of issue 9: programme names other fields share ("千人计划",
"万人计划", "优才计划", the UK's Global Talent route) tag talent-programs only beside a word of
research, study, AI or the state. Read as a kind of error on the retired tagger_heldout36-39
(insurers', tea chains' and swimming classes' plans, chefs and dancers on talent routes) and
generalised; the headlines are written here, not taken from the sets.

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_not_tagged, assert_tagged, topics


def test_a_shared_programme_name_alone_tags_nothing(tagger: Tagger) -> None:
    namesakes = (
        "某连锁药房启动“千人计划”：三年培养一千名店员",
        "某寿险公司“万人计划”开训 首期学员逾千人",
        "县文化馆“千人计划”送戏下乡",
        "米其林厨师获“优才计划”来港 明年开设餐厅",
        "Ballet company signs two soloists on the Global Talent route",
        "Fashion label's founder endorsed for a Global Talent visa",
    )
    assert_not_tagged(tagger, "talent-programs", namesakes)


def test_the_same_names_beside_research_study_or_the_state_still_tag(tagger: Tagger) -> None:
    programmes = (
        "“千人计划”学者回国后首次获批国家重点项目",
        "一张图看懂“万人计划”与杰青、长江学者的区别：科研人员怎么选",
        "香港“优才计划”新增科技专项 首批配额公布",
        "Home Office widens Global Talent route for AI researchers",
        "Global Talent visa: endorsement step dropped for laureates at top universities",
        "海外高层次人才“千人计划”申报启动",
    )
    assert_tagged(tagger, "talent-programs", programmes)


def test_the_topics_exclusions_silence_a_shared_name(tagger: Tagger) -> None:
    # a state word is there ("政府"), but the story is about singers: the exclusion speaks
    title = "市政府“千人计划”招募歌手 打造城市音乐节"
    assert "talent-programs" not in topics(tagger, title)


def test_the_reason_names_the_programme_and_the_word_beside_it(tagger: Tagger) -> None:
    result = tagger.tag("“千人计划”学者回国后首次获批国家重点项目")
    assert 'context: "千人计划" + "学者"' in result.reasons["talent-programs"]
