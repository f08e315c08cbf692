"""`talentbrief tag`: tag JSON Lines headlines, or score the tagger against labelled ones.

    talentbrief tag [--input FILE]          # JSON Lines in (stdin by default), tagged lines out
    talentbrief tag --eval FILE [--json]    # per-tag P/R/F1, macro-F1, alert P/R, confusions
    talentbrief tag --eval FILE --rules-only  # the same without the learned second opinion
    talentbrief tag --eval FILE --may-remove  # the second opinion also removing what it doubts

Each input line is an object with "title" and optionally "summary", "source" (a configured
source's name, whose hint tags then apply), "hints" (a list of topic ids, overriding the
source's), "doc_type" (a Federal Register document type) and "language". With --eval, "tags"
(a list of topic ids) and "alert" (true/false) are the labels.

The learned second opinion (a model trained on the project's labelled headlines) may add a
topic or the alert flag the rules missed, naming itself and its score in the reasons. It is on
unless the config says [tagger] second_opinion = false; --rules-only turns it off for one
run, and the --eval report says whether it was on. With [tagger] second_opinion_may_remove =
true (or --may-remove for one run) it also removes a topic or the alert flag the rules gave
that it scores under its doubt threshold, and lists each under "removed" with why and the
rules' reasons; off by default.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.cli.context import CliContext
from storage.errors import BadInput

if TYPE_CHECKING:
    from bot.cli.context import Subcommands
    from feeds.tagging import Tagger
    from feeds.tagging.evaluate import Evaluation, Example


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "tag",
        help="tag JSON Lines headlines, or evaluate the tagger on labelled ones",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="FILE", help="JSON Lines to tag (default: stdin)")
    source.add_argument("--eval", metavar="FILE", help="labelled JSON Lines to score against")
    parser.add_argument("--json", action="store_true", help="with --eval: one JSON object")
    model = parser.add_mutually_exclusive_group()
    model.add_argument(
        "--rules-only",
        action="store_true",
        help="the rules alone, without the learned second opinion (whatever the config says)",
    )
    model.add_argument(
        "--may-remove",
        action="store_true",
        help="let the learned second opinion also remove what the rules gave and it doubts "
        "(whatever the config says)",
    )
    parser.set_defaults(handler=handle)


def _open(path: str | None, stdin: TextIO) -> TextIO:
    if path is None or path == "-":
        return stdin
    try:
        return Path(path).open(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot read {path!r}: {exc.strerror or exc}") from None


def _records(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line stops with its number."""
    try:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadInput(f"line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise BadInput(f"line {number}: expected a JSON object")
            yield number, record
    except UnicodeDecodeError:
        raise BadInput("input is not UTF-8 text") from None


def _text(record: Mapping[str, Any], key: str, number: int, *, required: bool = False) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise BadInput(f'line {number}: missing "{key}"')
        return ""
    if not isinstance(value, str):
        raise BadInput(f'line {number}: "{key}" must be a string')
    if required and not value.strip():
        raise BadInput(f'line {number}: "{key}" is empty')
    return value


def _string_list(record: Mapping[str, Any], key: str, number: int) -> tuple[str, ...] | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f'line {number}: "{key}" must be a list of strings')
    return tuple(value)


def _example(
    record: Mapping[str, Any],
    number: int,
    source_hints: Mapping[str, tuple[str, ...]],
    *,
    labelled: bool,
) -> Example:
    from feeds.tagging.evaluate import Example

    hints = _string_list(record, "hints", number)
    if hints is None:
        hints = source_hints.get(_text(record, "source", number), ())
    tags: tuple[str, ...] = ()
    alert = False
    if labelled:
        tags = _string_list(record, "tags", number) or ()
        if "tags" not in record:
            raise BadInput(f'line {number}: missing "tags" (the labels to score against)')
        alert = record.get("alert", False)
        if not isinstance(alert, bool):
            raise BadInput(f'line {number}: "alert" must be true or false')
    return Example(
        title=_text(record, "title", number, required=True),
        summary=_text(record, "summary", number),
        tags=frozenset(tags),
        alert=alert,
        hints=hints,
        doc_type=_text(record, "doc_type", number) or None,
        language=_text(record, "language", number) or None,
    )


def _tag_stream(tagger: Tagger, stream: TextIO, out: TextIO, hints: Mapping[str, Any]) -> int:
    count = 0
    for number, record in _records(stream):
        example = _example(record, number, hints, labelled=False)
        result = tagger.tag(
            example.title,
            example.summary,
            hints=example.hints,
            doc_type=example.doc_type,
            language=example.language,
        )
        record["tags"] = sorted(result.tags, key=lambda t: (-result.tags[t], t))
        record["alert"] = result.alert
        record["scores"] = dict(result.scores)
        record["reasons"] = {key: list(why) for key, why in result.reasons.items()}
        if result.removed:  # only with second_opinion_may_remove
            record["removed"] = {key: list(why) for key, why in result.removed.items()}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _percent(value: float) -> str:
    return f"{value * 100:5.1f}"


def format_evaluation(evaluation: Evaluation) -> str:
    """The human-readable report of `tag --eval`."""
    lines = [f"{'tag':<20} {'prec':>6} {'recall':>6} {'F1':>6} {'support':>8} {'predicted':>9}"]
    for tag, score in evaluation.per_tag.items():
        lines.append(
            f"{tag:<20} {_percent(score.precision):>6} {_percent(score.recall):>6} "
            f"{_percent(score.f1):>6} {score.support:>8} {score.predicted:>9}"
        )
    model = "on" if evaluation.second_opinion else "off (the rules alone)"
    if evaluation.second_opinion_may_remove:
        model += ", removing what it doubts"
    lines += [
        "",
        f"macro-F1          {_percent(evaluation.macro_f1)}   ({evaluation.items} items)",
        f"alert precision   {_percent(evaluation.alert_precision)}   "
        f"({evaluation.alert_predicted} predicted)",
        f"alert recall      {_percent(evaluation.alert_recall)}   "
        f"({evaluation.alert_support} labelled)",
        f"learned second opinion: {model}",
    ]
    names, rows = evaluation.confusion_table()
    short = [name[:9] for name in names]
    lines += ["", "topic confusion (rows: labelled; columns: tagged; counts of items):"]
    lines.append(f"{'':<20}" + "".join(f"{name:>10}" for name in short))
    for gold, counts in rows:
        lines.append(f"{gold:<20}" + "".join(f"{count:>10}" for count in counts))
    if evaluation.missed or evaluation.spurious:
        lines += ["", "confusions (gold tag missed → predicted instead; predicted wrongly ← gold):"]
        for tag, instead in evaluation.missed.items():
            detail = ", ".join(f"{other} {n}" for other, n in instead.items())
            lines.append(f"  missed   {tag:<20} → {detail}")
        for tag, labelled in evaluation.spurious.items():
            detail = ", ".join(f"{other} {n}" for other, n in labelled.items())
            lines.append(f"  spurious {tag:<20} ← {detail}")
    if evaluation.worst:
        lines += ["", "worst misses:"]
        for miss in evaluation.worst:
            wanted = ", ".join(miss.gold) or "-"
            got = ", ".join(miss.predicted) or "-"
            alert = f" alert {miss.gold_alert}→{miss.predicted_alert}"
            lines.append(f"  {miss.title[:90]}")
            lines.append(f"      gold [{wanted}] got [{got}]" + alert)
    return "\n".join(lines)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    from feeds.tagging.evaluate import evaluate

    config = context.config
    tagger = context.core.tagger
    if args.rules_only or args.may_remove:
        from feeds.tagging import load_tagger

        if args.may_remove and not config.tagger.second_opinion:
            raise BadInput("--may-remove needs the second opinion, which the config turns off")
        tagger = load_tagger(
            config.taxonomy, second_opinion=not args.rules_only, may_remove=args.may_remove
        )
    source_hints = {source.name: source.tags for source in config.sources}
    stdin: TextIO = sys.stdin
    if args.eval is not None:
        with _open(args.eval, stdin) as stream:
            examples = [
                _example(record, number, source_hints, labelled=True)
                for number, record in _records(stream)
            ]
        if not examples:
            raise BadInput(f"{args.eval}: no labelled lines to evaluate")
        evaluation = evaluate(tagger, examples, topics=tagger.topic_ids)
        if args.json:
            context.print_json(evaluation.as_json())
        else:
            context.stdout.write(format_evaluation(evaluation) + "\n")
        return 0
    if args.json:
        raise BadInput("--json goes with --eval; tagged lines are JSON already")
    stream = _open(args.input, stdin)
    try:
        _tag_stream(tagger, stream, context.stdout, source_hints)
    finally:
        if stream is not stdin:
            stream.close()
    return 0
