"""Each kind of rule the tagger applies, and the reasons it gives."""

from __future__ import annotations

from feeds.tagging import Tagger
from feeds.tagging.rules import TermMatcher, chinese_forms


def _terms(matcher: TermMatcher, text: str) -> set[str]:
    return {matcher.display(key) for key in matcher.find(text)}


# --- matching -----------------------------------------------------------------------------


def test_terms_match_whole_words_only() -> None:
    matcher = TermMatcher(["visa", "ban", "OPT"])
    assert _terms(matcher, "The visa rule") == {"visa"}
    assert _terms(matcher, "A visage of bankers, optimists, OPTIONS") == set()
    assert _terms(matcher, "visa-free banking") == {"visa"}


def test_phrases_match_across_spaces_hyphens_and_plurals() -> None:
    matcher = TermMatcher(["brain drain", "student visa", "H-1B", "university"])
    assert _terms(matcher, "A brain-drain warning") == {"brain drain"}
    assert _terms(matcher, "Student   visas delayed") == {"student visa"}
    assert _terms(matcher, "H-1B and H‑1B (non-breaking hyphen)") == {"H-1B"}
    assert _terms(matcher, "Two universities") == {"university"}


def test_overlapping_terms_are_all_found_with_their_positions() -> None:
    matcher = TermMatcher(["student", "student visa", "visa", "人才", "人才引进", "引进"])
    hits = matcher.find("student visa")
    assert {matcher.display(k): v for k, v in hits.items()} == {
        "student": [0],
        "student visa": [0],
        "visa": [8],
    }
    assert _terms(matcher, "深圳人才引进政策") == {"人才", "人才引进", "引进"}


def test_capitalised_terms_are_case_sensitive() -> None:
    matcher = TermMatcher(["OPT", "AI", "optional practical training"])
    assert _terms(matcher, "STEM OPT extension") == {"OPT"}
    assert _terms(matcher, "Users can opt out; Opt in later") == set()
    assert _terms(matcher, "AI researchers; ai is not AI") == {"AI"}
    assert _terms(matcher, "OPTIONAL PRACTICAL TRAINING") == {"optional practical training"}


def test_chinese_terms_match_simplified_and_traditional_forms() -> None:
    assert {"千人计划", "千人計劃", "千人計畫"} <= chinese_forms("千人计划")
    matcher = TermMatcher(["千人计划", "海归", "签证"])
    assert _terms(matcher, "千人計劃入選者") == {"千人计划"}
    assert _terms(matcher, "台灣的千人計畫") == {"千人计划"}
    assert _terms(matcher, "海歸科學家") == {"海归"}
    assert _terms(matcher, "H-1B簽證新規") == {"签证"}
    # a term written in traditional characters finds simplified text too
    assert _terms(TermMatcher(["簽證"]), "签证延误") == {"簽證"}


def test_taiwans_own_words_are_matched() -> None:
    # Taiwan writes artificial intelligence 人工智慧 and Silicon Valley 矽谷
    matcher = TermMatcher(["人工智能", "硅谷"])
    assert _terms(matcher, "國科會擴大人工智慧博士補助") == {"人工智能"}
    assert _terms(matcher, "從矽谷回台的工程師") == {"硅谷"}


def test_every_traditional_form_of_a_character_is_matched() -> None:
    # opencc writes 拒签 as 拒籤 (签 has two traditional forms); Taiwan and Hong Kong write 拒簽
    assert {"拒籤", "拒簽"} <= chinese_forms("拒签")
    matcher = TermMatcher(["拒签", "发布"])
    assert _terms(matcher, "台灣新創創辦人赴美遭拒簽") == {"拒签"}
    assert _terms(matcher, "學者遭拒籤") == {"拒签"}
    assert _terms(matcher, "教育部發布新規") == {"发布"}


# --- topics -------------------------------------------------------------------------------


def test_a_strong_term_tags_alone_with_its_reason(tagger: Tagger) -> None:
    result = tagger.tag("H-1B lottery results are out")
    assert set(result.tags) == {"visa-policy"}
    assert result.tags["visa-policy"] >= 0.9
    assert result.reasons["visa-policy"] == ('term "H-1B"',)
    summary_only = tagger.tag("Lottery results are out", "Employers filed fewer H-1B entries.")
    assert summary_only.tags["visa-policy"] < result.tags["visa-policy"]


def test_acronyms_need_their_capitals(tagger: Tagger) -> None:
    assert "student-mobility" in tagger.tag("DHS ends STEM OPT for some graduates").tags
    assert tagger.tag("How to opt out of targeted ads").tags == {}


def test_visa_needs_a_talent_student_or_researcher_angle(tagger: Tagger) -> None:
    assert tagger.tag("Visa delays hit trade fair exhibitors").tags == {}
    result = tagger.tag("Visa delays strand Chinese researchers")
    assert "visa-policy" in result.tags
    assert 'context: "visa" + "researcher"' in result.reasons["visa-policy"]


def test_returned_needs_a_move_to_a_chinese_institution_and_a_person(tagger: Tagger) -> None:
    result = tagger.tag("Harvard physicist returned to Tsinghua after 20 years")
    assert "returnees" in result.tags
    assert 'context: "returned to" + "Tsinghua" + "physicist"' in result.reasons["returnees"]
    assert "returnees" not in tagger.tag("Giant pandas returned to China").tags
    assert "returnees" not in tagger.tag("Shipments returned to growth as China eased curbs").tags
    # the destination must be near the move: not "returned" in one sentence, "China" in another
    far = tagger.tag(
        "Professor returned the grant money",
        "Critics say the scientist's collaboration with China was never hidden.",
    )
    assert "returnees" not in far.tags


def test_exclusions_silence_context_but_not_strong_terms(tagger: Tagger) -> None:
    assert tagger.tag("Student athletes face visa delays before the tournament").tags == {}
    assert tagger.tag("Talent show finalists announced for the new season").tags == {}
    assert tagger.tag("China's Got Talent: audition rules change").tags == {}
    # Other sports than football, by their positions and leagues.
    assert tagger.tag("Striker's visa delayed ahead of the Premier League season").tags == {}
    assert tagger.tag("NBA rookie's visa paperwork stalls preseason debut").tags == {}
    strong = tagger.tag("Tournament organisers say H-1B players need new paperwork")
    assert "visa-policy" in strong.tags


def test_trade_only_china_news_is_not_export_controls(tagger: Tagger) -> None:
    assert tagger.tag("Commerce adds 30 Chinese chip firms to the Entity List").tags == {}
    assert tagger.tag("US raises tariffs on Chinese steel").tags == {}
    people = tagger.tag("Entity List bars US software from Chinese universities' students")
    assert "export-controls" in people.tags


def test_chinese_headlines_in_both_scripts_get_the_same_tags(tagger: Tagger) -> None:
    simplified = tagger.tag("美国国务院宣布撤销部分中国留学生签证")
    traditional = tagger.tag("美國國務院宣布撤銷部分中國留學生簽證")
    assert set(simplified.tags) == set(traditional.tags) == {"visa-policy", "student-mobility"}
    assert simplified.alert and traditional.alert
    assert "talent-programs" in tagger.tag("海外人才引进新政出台").tags
    assert "returnees" in tagger.tag("海歸科學家創業潮").tags


def test_hints_nudge_but_do_not_force(tagger: Tagger) -> None:
    assert tagger.tag("Quarterly update", hints=("visa-policy",)).tags == {}
    assert tagger.tag("Quarterly update", hints=("visa-policy",)).scores == {"visa-policy": 0.3}
    nudged = tagger.tag("Consular backlog update", hints=("visa-policy",))
    assert "visa-policy" in nudged.tags  # a weak term plus the hint
    assert nudged.reasons["visa-policy"] == ('weak term "consular"', "hint: visa-policy")
    assert tagger.tag("Consular backlog update").tags == {}
    assert tagger.tag("Cruise consular rules", hints=("visa-policy",)).tags == {}  # excluded


# --- alert ----------------------------------------------------------------------------------


def test_alert_needs_a_government_actor_or_instrument_and_an_action(tagger: Tagger) -> None:
    signed = tagger.tag("President signs proclamation restricting H-1B entry")
    assert signed.alert is True
    # Verbs are listed as lemmas (`sign~`); the reason names the form that was found, an -s
    # form folding into the base form like a plural.
    assert signed.reasons["alert"] == (
        'actor: "President"',
        'instrument: "proclamation"',
        'action: "sign"',
    )
    assert tagger.tag("The H-1B policy debate, explained").alert is False  # no action
    assert tagger.tag("Companies launch H-1B hiring drives").alert is False  # no government


def test_headlines_announcing_a_rule_with_to_and_a_verb_are_alerts(tagger: Tagger) -> None:
    # Wire style: "Agency to <verb>" reports a decision taken, effective later.
    required = tagger.tag(
        "NIH to require research security training for all grantees",
        "The policy takes effect for applications submitted after January.",
    )
    assert required.alert is True
    assert 'action: "require"' in required.reasons["alert"]
    assert tagger.tag("DHS to impose new limits on student visa duration").alert is True
    # A company's plans are not a government action, in whatever tense.
    assert tagger.tag("Tech firms to expand hiring of foreign researchers").alert is False


def test_enforcement_acts_are_alerts_on_their_own(tagger: Tagger) -> None:
    result = tagger.tag("Professor sentenced for hiding ties to the Thousand Talents Plan")
    assert result.alert is True
    assert 'act: "sentenced"' in result.reasons["alert"]


def test_analysis_and_hedged_items_are_not_alerts(tagger: Tagger) -> None:
    assert tagger.tag("Why the State Department revoked Chinese students' visas").alert is False
    assert tagger.tag("White House weighs new limits on H-1B visas").alert is False
    assert tagger.tag("State Department revokes student visas?").alert is False
    assert tagger.tag("State Department revokes student visas").alert is True
    assert tagger.tag("Analysis: USCIS finalizes the H-1B rule, and what follows").alert is False


def test_alert_needs_an_in_scope_item(tagger: Tagger) -> None:
    result = tagger.tag("President signs proclamation on national parks")
    assert result.tags == {} and result.alert is False


def test_federal_register_document_type_nudges_the_alert(tagger: Tagger) -> None:
    title = "Modernizing H-1B Requirements and Oversight"
    assert tagger.tag(title).alert is False
    as_rule = tagger.tag(title, doc_type="Rule")
    assert as_rule.alert is True
    assert as_rule.reasons["alert"] == ("doc type: Rule", 'instrument: "requirement"')
    assert tagger.tag(title, doc_type="Notice").alert is False
    # the type is evidence, not a verdict: an out-of-scope rule is no alert
    assert tagger.tag("Safety Zone; Potomac River", doc_type="Rule").alert is False


def test_result_carries_scores_under_the_threshold(tagger: Tagger) -> None:
    result = tagger.tag("Immigration backlog grows")
    assert result.tags == {}
    assert 0 < result.scores["visa-policy"] < 0.5
