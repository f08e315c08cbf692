"""The thirty-sixth round of issue 9, read off the misses of heldout58-59 (export-controls'
recall, 0.750 on heldout59, and talent-programs' and student-mobility's precision):

- people's know-how controlled at the border is export control: China's exit filing for AI
  staff (出境备案) and Taiwan's prior approval before researchers take or lecture at mainland
  posts; a company's own trip reporting (出境报备) is not;
- namesakes of talent programmes: volunteers, walks, management trainees, HR software; prior
  approval of mainland posts is no talent programme;
- cities' hukou rules, one-stop services, start-up parks and monthly internship subsidies for
  returnees and students abroad are returnees and talent programmes, not student mobility.

Headlines written here, not taken from the sets. The rules alone are tested (conftest's
`tagger`).
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_not_tagged, assert_tagged


def test_exit_filing_and_prior_approval_of_mainland_posts_are_export_control(
    tagger: Tagger,
) -> None:
    assert_tagged(
        tagger,
        "export-controls",
        (
            "商务部：人工智能核心技术人员出境备案3月1日起施行",
            "Taiwan to require prior approval before chip and AI researchers take mainland posts",
        ),
    )
    assert_not_tagged(
        tagger, "export-controls", ("某大模型公司要求核心研发人员出境报备 公司称系内部管理",)
    )


def test_namesakes_and_mainland_approval_are_no_talent_programme(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "talent-programs",
        (
            "元宵灯会“千人计划”志工招募启动",
            "某银行“千人计划”管培生校园招聘开启",
            "国科会：AI研究人员赴陆任职须事前许可 违者停止补助",
        ),
    )


def test_city_schemes_for_returnees_are_not_student_mobility(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "student-mobility",
        (
            "苏州：海外高校在读留学生来苏实习 每月补贴4000元",
            "杭州留学回国人员落户新政发布 硕士毕业即可申请",
        ),
    )
