"""A channel's `query` filters its digest with the search grammar, on both backends."""

from __future__ import annotations

from datetime import timedelta

from bot.digest_build import compose
from storage.channels import ChannelSpec
from storage.db import Database
from tests.corpus.digest import CATALOG, NOW, fixed_items
from tests.digest_db import store


def _titles(database: Database, spec: ChannelSpec) -> set[str]:
    with database.session() as session:
        built = compose(
            session,
            None,
            spec,
            now=NOW,
            period=None,
            since=NOW - timedelta(days=2),
            catalog=CATALOG,
        )
    return {entry.item.title for section in built.digest.sections for entry in section.entries}


def test_a_query_channel_gets_only_the_matching_stories(database: Database) -> None:
    store(database, fixed_items())
    everything = _titles(database, ChannelSpec(name="all"))
    alerts = _titles(database, ChannelSpec(name="alerts", query="alert:yes"))
    h1b = _titles(database, ChannelSpec(name="h1b", query="H-1B -lottery"))

    assert alerts == {
        "USCIS proposes new H-1B registration fee and a weighted lottery",
        "State Department pauses visa interviews for some graduate researchers",
    }
    assert alerts < everything
    # Two H-1B stories; the exclusion drops the one about the lottery.
    assert h1b == {"Start-up founders weigh O-1 visas as H-1B odds shrink"}
    interviews = _titles(database, ChannelSpec(name="i", query='"visa interviews"'))
    assert interviews == {"State Department pauses visa interviews for some graduate researchers"}


def test_query_and_topics_both_apply(database: Database) -> None:
    store(database, fixed_items())
    spec = ChannelSpec(name="desk", topics=("research-security",), query="alert:yes")
    assert _titles(database, spec) == {
        "State Department pauses visa interviews for some graduate researchers"
    }
