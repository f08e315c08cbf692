"""bench/tagger: items per second for the topic tagger on one core.

Tags 10,000 generated items (a headline plus a one-sentence summary; about a quarter in
Chinese, some in traditional characters; about a third with a source hint, a few with a
Federal Register document type) with the default taxonomy, single-threaded, pinned to one CPU
where the OS allows it. Generation and loading the taxonomy are timed separately.

Run from the repository root:
    .venv/bin/python bench/tagger.py                 # 10,000 items, best and median of 3
    .venv/bin/python bench/tagger.py --items 2000 --repeat 1
    .venv/bin/python bench/tagger.py --rules-only    # without the learned second opinion
    .venv/bin/python bench/tagger.py --paired 7      # rules alone and with it, alternated
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from dataclasses import dataclass

from feeds.tagging import load_tagger

ACTORS = [
    "State Department",
    "USCIS",
    "DHS",
    "The White House",
    "Commerce",
    "A federal judge",
    "The Justice Department",
    "NIH",
    "Canada",
    "The UK Home Office",
    "Beijing",
    "Shenzhen",
    "A think tank",
    "Tech firms",
    "Universities",
    "Researchers",
    "Investors",
    "Retailers",
]
VERBS = [
    "announces",
    "pauses",
    "revokes",
    "launches",
    "weighs",
    "studies",
    "ends",
    "expands",
    "adds",
    "debates",
    "signs",
    "reports on",
    "cuts",
    "praises",
    "reviews",
    "extends",
]
OBJECTS = [
    "H-1B fee changes for universities",
    "student visa interviews",
    "the OPT program",
    "a talent recruitment plan for overseas scientists",
    "research security training rules",
    "Chinese universities on the Entity List",
    "deemed export licenses for foreign students",
    "Open Doors data on Chinese students",
    "AI researchers' green card backlog",
    "a new AI chip export rule",
    "tariffs on Chinese steel",
    "tourist visa wait times",
    "a talent show for young singers",
    "returns of holiday gifts",
    "an opt-out data policy",
    "a new chatbot for shoppers",
    "the Thousand Talents Plan",
    "returnee scientists in Hangzhou",
    "joint-venture campuses",
    "visa-free travel for tourists",
    "athletes' visas for the Games",
]
SUMMARIES = [
    "Officials said the change takes effect next month for {who}.",
    "The move affects {who} who study or work in the United States.",
    "Critics say it could reshape how {who} choose where to work.",
    "A report tracing {who} found the trend accelerated after 2018.",
    "The company said sales rose in the quarter as demand recovered.",
    "Fans gathered for the final, which drew millions of viewers.",
]
WHO = [
    "Chinese graduate students",
    "foreign researchers",
    "scientists",
    "engineers",
    "international students",
    "AI researchers",
    "shoppers",
    "tourists",
    "athletes",
]
ZH_TITLES = [
    "美国国务院宣布暂停部分学生签证面谈",
    "深圳出台海外高层次人才引进新政",
    "海归科学家创业潮：西湖大学新聘教授多来自美国",
    "美国商务部将多所中国高校列入实体清单",
    "美國國務院撤銷部分中國留學生簽證",
    "千人計劃入選者名單不再公開",
    "大模型人才争夺战：应届博士年薪突破百万",
    "泰国延长中国游客免签政策",
    "《中国达人秀》新一季海选启动",
    "美方对中国电动汽车加征关税",
    "教育部发布出国留学趋势报告",
    "國產大模型價格戰升溫",
    "华裔教授被控隐瞒中国资助，陪审团裁定无罪",
]
ZH_SUMMARIES = [
    "新规将于下月起施行，涉及在美留学生和研究人员。",
    "业内人士认为，此举将影响人才回流。",
    "商务部表示将采取必要措施维护企业权益。",
    "节目组表示今年报名人数创历史新高。",
    "分析人士指出，相关政策或将进一步收紧。",
    "統計顯示，赴美留學人數連續下降。",
]
HINTS = ["visa-policy", "student-mobility", "export-controls", "research-security", "ai-talent"]
DOC_TYPES = ["Rule", "Proposed Rule", "Notice", "Presidential Document"]


@dataclass(frozen=True, slots=True)
class GeneratedItem:
    title: str
    summary: str
    hints: tuple[str, ...]
    doc_type: str | None


def generate(count: int, seed: int = 20261123) -> list[GeneratedItem]:
    rng = random.Random(seed)
    items = []
    for _ in range(count):
        if rng.random() < 0.25:
            title = rng.choice(ZH_TITLES)
            summary = rng.choice(ZH_SUMMARIES)
        else:
            title = f"{rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
            summary = rng.choice(SUMMARIES).format(who=rng.choice(WHO))
        hints = (rng.choice(HINTS),) if rng.random() < 0.33 else ()
        doc_type = rng.choice(DOC_TYPES) if rng.random() < 0.05 else None
        items.append(GeneratedItem(title, summary, hints, doc_type))
    return items


def _pin_to_one_cpu() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned"


def _paired(count: int, rounds: int) -> None:
    pinned = _pin_to_one_cpu()
    items = generate(count)
    taggers = {"rules alone": load_tagger(second_opinion=False), "with model": load_tagger()}
    spent: dict[str, list[float]] = {name: [] for name in taggers}
    for _ in range(rounds):
        for name, tagger in taggers.items():
            started = time.process_time()
            for item in items:
                tagger.tag(item.title, item.summary, hints=item.hints, doc_type=item.doc_type)
            spent[name].append((time.process_time() - started) / len(items))
    print(f"bench/tagger --paired: {len(items):,} items, {pinned}, {rounds} rounds")
    for name, seconds in spent.items():
        median = statistics.median(seconds)
        print(f"  {name:<12} {median * 1e6:6.1f} µs/item  {1 / median:8,.0f} items per CPU second")
    ratio = statistics.median(spent["with model"]) / statistics.median(spent["rules alone"])
    print(f"  ratio        {ratio:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--rules-only", action="store_true", help="without the learned second opinion"
    )
    parser.add_argument(
        "--paired",
        type=int,
        metavar="N",
        help="alternate the rules alone and the rules with the model N times in this process "
        "and print each one's CPU time per item and their ratio (steadier than two processes "
        "on a loaded machine)",
    )
    args = parser.parse_args()
    if args.paired:
        _paired(args.items, args.paired)
        return

    pinned = _pin_to_one_cpu()
    started = time.perf_counter()
    tagger = load_tagger(second_opinion=not args.rules_only)
    load_seconds = time.perf_counter() - started
    items = generate(args.items)

    rates = []
    cpu_rates = []  # per second of this process's CPU time: what one core does, whoever else runs
    tagged = alerts = 0
    for _ in range(args.repeat):
        tagged = alerts = 0
        started = time.perf_counter()
        cpu_started = time.process_time()
        for item in items:
            result = tagger.tag(item.title, item.summary, hints=item.hints, doc_type=item.doc_type)
            tagged += bool(result.tags)
            alerts += result.alert
        rates.append(len(items) / (time.perf_counter() - started))
        cpu_rates.append(len(items) / (time.process_time() - cpu_started))

    model = "on" if tagger.similarity is not None else "off"
    print(f"bench/tagger: {len(items):,} items, {pinned}, {args.repeat} run(s), model {model}")
    print(f"  load taxonomy      {load_seconds * 1000:8.0f} ms")
    print(f"  tagged / alerts    {tagged:8,} / {alerts:,}")
    print(f"  best               {max(rates):8,.0f} items/s ({1e6 / max(rates):.1f} µs/item)")
    print(f"  median             {statistics.median(rates):8,.0f} items/s")
    print(f"  per CPU second     {statistics.median(cpu_rates):8,.0f} items/s (median)")


if __name__ == "__main__":
    main()
