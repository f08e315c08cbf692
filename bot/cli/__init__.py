"""The `talentbrief` command line: a thin front-end over the application core (`bot.core`).

Each command lives in its own module exposing `register(subparsers)`; the handler it sets
receives the parsed arguments and a `CliContext`, calls the core and prints the result. Command
modules import what they need when they run, so `--help` starts fast. Machine-readable output
goes to stdout alone; progress and logs go to stderr. Exit codes: 0 success, 1 runtime failure,
2 bad input.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot import PROJECT_LOGGERS, __version__
from bot.cli import db as db_command
from bot.cli import (
    demo,
    digest,
    doctor,
    feeds,
    poll,
    retag,
    run,
    search,
    subscriptions,
    tag,
    topics,
)
from bot.cli.context import CliContext, Terminated
from storage.errors import BadInput, TalentbriefError

COMMANDS = (
    poll,
    feeds,
    tag,
    retag,
    search,
    digest,
    subscriptions,
    topics,
    db_command,
    run,
    doctor,
    demo,
)
# Commands whose free text may begin with "-" (a query like -opinion is not an option).
FREE_TEXT = {"search": "query"}

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """Usage mistakes get the house style: one line, exit code 2, and where to look."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"talentbrief: error: {message} (see `{self.prog} --help`)\n")


def one_line(message: object) -> str:
    """Messages from libraries (psycopg, the OS) may span lines; errors are one line."""
    return " ".join(str(message).split())


def _add_common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # On every subcommand too, so `talentbrief run -v` works like `talentbrief -v run`;
    # SUPPRESS keeps a subcommand from resetting what was given before it.
    default = False if top else argparse.SUPPRESS
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log more to stderr"
    )
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks of failures"
    )


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += [child, *_subparsers(child)]
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="talentbrief",
        description="Briefings on the US–China competition for scientific and technical talent.",
    )
    parser.add_argument("--version", action="version", version=f"talentbrief {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $TALENTBRIEF_CONFIG, else ./talentbrief.toml, else built-in)",
    )
    _add_common_options(parser, top=True)
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    for module in COMMANDS:
        module.register(subparsers)
    for child in _subparsers(parser):
        _add_common_options(child, top=False)
    return parser


def parse_arguments(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    args, extras = parser.parse_known_args(argv)
    field = FREE_TEXT.get(args.command)
    if field is not None:
        # `search -opinion`: argparse takes a query that starts with "-" for an unknown
        # option; a single dash followed by text is query text (`--typo` stays an error).
        text = [extra for extra in extras if extra[:1] == "-" and extra[1:2] not in ("-", "")]
        extras = [extra for extra in extras if extra not in text]
        given = getattr(args, field, None)
        value = " ".join(part for part in (given, *text) if part is not None)
        if given is None and not text:
            parser.error(f"the following arguments are required: {field.upper()}")
        setattr(args, field, value)
    if extras:
        _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def _command_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The parser of the (sub)command that was given, so an error points to its own --help."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            child = action.choices.get(getattr(args, action.dest, None) or "")
            if child is not None:
                return _command_parser(child, args)
    return parser


class RedactingFilter(logging.Filter):
    """Hides URL passwords in every log line, tracebacks included: libraries (aiohttp,
    SQLAlchemy) quote the URLs they fail on, and a feed URL may carry a password."""

    def filter(self, record: logging.LogRecord) -> bool:
        from storage.urls import redact_text

        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if verbose:  # the project's own detail; libraries (Alembic, aiohttp) stay at warnings
        for name in PROJECT_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)


def _database_problem(exc: Exception, context: CliContext) -> str | None:
    """A database error as one line naming the database (password hidden), without the SQL
    statement SQLAlchemy appends: a read-only file, a full disk, a server gone away."""
    from sqlalchemy.exc import DBAPIError

    from storage.db import describe_database_error
    from storage.urls import redact_url

    if not isinstance(exc, DBAPIError):
        return None
    where = redact_url(context.config.storage.url) if context.has_core else "the database"
    return f"database {where}: {one_line(describe_database_error(exc))}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parse_arguments(parser, argv)
    _configure_logging(args.verbose)
    # With no argv this is the process's entry point (the script, `python -m bot.cli`).
    context = CliContext(config_path=args.config, owns_process=argv is None)
    try:
        code: int = args.handler(args, context)
        return code
    except BadInput as exc:
        print(f"talentbrief: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except TalentbriefError as exc:
        if args.debug:
            log.exception("failed")
        print(f"talentbrief: failed: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("talentbrief: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("talentbrief: stopped (SIGTERM)", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 0  # e.g. `talentbrief search … | head`
    except Exception as exc:  # a bug: keep the user's terminal readable, keep the details
        if args.debug:
            raise
        database_problem = _database_problem(exc, context)
        if database_problem is not None:
            print(f"talentbrief: failed: {database_problem}", file=sys.stderr)
            return 1
        print(
            f"talentbrief: failed: {type(exc).__name__}: {one_line(exc)} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        context.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
