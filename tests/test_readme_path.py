"""The README's path after the demo, command by command, on a clean copy of the repository.

The commands are read from the README's "After the demo" section and run through bash, as a
newcomer types them, in a copy of the checkout that has no config file and no database, with
`.venv` pointing at the virtual environment that runs these tests. The one change to what the
README says: right after the example config is copied, its sources' URLs are pointed at the
local feed server (each keeps its name, kind and interval), so nothing reaches the internet.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import tomllib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.config import load_config
from bot.core import Talentbrief
from bot.durations import is_loopback_url
from feeds.tagging.taxonomy import load_taxonomy
from storage.errors import BadInput
from tests.example_config import EXAMPLE, with_chat_channels
from tests.feed_server import FeedServer

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FIXTURES = Path(__file__).parent / "fixtures"
PATH_SECTION = "After the demo: your own briefing"
OPENING = (
    "# 1. Install, then run the main job on the embedded default (SQLite file, console output, "
    "no tokens):\n"
    "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/talentbrief demo\n"
    "\n"
    "# 2. Install with the test tools, then run the tests:\n"
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest\n"
)
NOT_COPIED = {
    ".git", ".venv", ".hypothesis", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "__pycache__", "build", "dist", "talentbrief.toml",
}  # fmt: skip
HEADLINES = [
    "USCIS opens the H-1B registration period with a higher fee",
    "State Department pauses interviews for J-1 researchers",
    "Physicist leaves a US national lab for Westlake University",
    "Universities review NSPM-33 research security training",
    "Commerce adds two Chinese universities to the Entity List",
    "Open Doors: Chinese student numbers fall for a fifth year",
    "AI labs compete for Chinese-born machine learning researchers",
]


def _section(title: str) -> str:
    text = README.read_text("utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def _commands(text: str) -> list[str]:
    """Each command line of the text's sh blocks, without its comment, quoted as typed."""
    lines = (line.strip() for block in _sh_blocks(text) for line in block.splitlines())
    return [shlex.join(shlex.split(line, comments=True)) for line in lines if line[:1] not in "#"]


def _rss(source: str, index: int) -> str:
    published = format_datetime(datetime.now(UTC) - timedelta(hours=3), usegmt=True)
    items = "".join(
        f"<item><title>{HEADLINES[(index + shift) % len(HEADLINES)]}</title>"
        f"<link>https://{index}.feeds.example/{shift}</link><guid>{index}-{shift}</guid>"
        f"<pubDate>{published}</pubDate><description>What {source} reported, in brief."
        "</description></item>"
        for shift in range(2)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{source}</title><link>https://{index}.feeds.example/</link>{items}"
        "</channel></rss>"
    )


def _point_sources_at(server: FeedServer, config: Path) -> list[str]:
    """Each source of the copied example, served by the local feed server instead; the paths."""
    text = config.read_text("utf-8")
    paths = []
    for index, source in enumerate(tomllib.loads(text)["sources"]):
        if source.get("kind") == "federal_register":
            body = (FIXTURES / "federal_register.json").read_bytes()
            local = server.add(
                f"/{index}/api/v1/documents.json", body, content_type="application/json"
            )
        else:
            local = server.add(f"/{index}/feed.xml", _rss(source["name"], index))
        text = text.replace(f'url = "{source["url"]}"', f'url = "{local}"', 1)
        paths.append(local.removeprefix(server.url("")))
    config.write_text(text, "utf-8")
    data = tomllib.loads(text)
    assert all(is_loopback_url(source["url"]) for source in data["sources"])
    assert {channel["platform"] for channel in data["channels"]} == {"console"}
    return paths


def _clean_copy(target: Path) -> Path:
    def ignored(folder: str, names: list[str]) -> set[str]:
        return {
            name
            for name in names
            if name in NOT_COPIED or name.endswith((".egg-info", ".db", ".db-wal", ".db-shm"))
        }

    shutil.copytree(ROOT, target, ignore=ignored, symlinks=True)
    venv = Path(sys.prefix)
    assert (venv / "bin" / "activate").is_file() and (venv / "bin" / "talentbrief").is_file(), (
        "run the tests from the virtual environment the README creates (.venv)"
    )
    (target / ".venv").symlink_to(venv, target_is_directory=True)
    return target


def _environment(tmp_path: Path) -> dict[str, str]:
    dropped = ("TALENTBRIEF_", "SLACK_", "DISCORD_", "VIRTUAL_ENV")
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(dropped) and name.lower() not in proxies
    }
    env["HOME"] = str(tmp_path / "home")
    return env


def _run_until_running(script: str, checkout: Path, env: dict[str, str]) -> tuple[int, str]:
    """`talentbrief run` until it has scheduled its jobs (its Ctrl-C handler is in place by
    then), then Ctrl-C (SIGINT), as the README says."""
    process = subprocess.Popen(
        ["bash", "-c", script], cwd=checkout, env=env, stderr=subprocess.PIPE, text=True
    )
    guard = threading.Timer(120, process.kill)  # a hung process fails the test, not the suite
    guard.start()
    seen = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            if "INFO bot.app: scheduled " in line:
                process.send_signal(signal.SIGINT)
                break
        seen += process.stderr.readlines()
        code = process.wait()
        output = "".join(seen)
        assert "talentbrief is running" in output and "stopping" in output, output
        return code, output
    finally:
        guard.cancel()
        if process.poll() is None:
            process.kill()


def test_the_path_after_the_demo_works_as_written(feed_server: FeedServer, tmp_path: Path) -> None:
    commands = _commands(_section(PATH_SECTION))
    assert "cp config.example.toml talentbrief.toml" in commands
    checkout = _clean_copy(tmp_path / "checkout")
    env = _environment(tmp_path)
    prelude: list[str] = []
    outputs: dict[str, str] = {}
    served: list[str] = []
    for line in commands:
        # `exec`: in `talentbrief run`, Ctrl-C reaches talentbrief itself, not the shell.
        script = "\n".join(["set -e", *prelude, f"exec {line}"])
        words = shlex.split(line, comments=True)
        if words[0] in ("source", ".", "export"):
            script = "\n".join(["set -e", *prelude, line])
            prelude.append(line)
        if words == ["talentbrief", "run"]:
            code, output = _run_until_running(script, checkout, env)
        else:
            done = subprocess.run(
                ["bash", "-c", script],
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            code, output = done.returncode, done.stdout + done.stderr
        assert code == 0, f"`{line}` exited {code}:\n{output[-3000:]}"
        outputs[line] = output
        if words[:1] == ["cp"] and words[-1] == "talentbrief.toml":
            served = _point_sources_at(feed_server, checkout / "talentbrief.toml")

    internal = re.compile(r":tb\d+:|\b(already_posted|not_scheduled)\b|\b(run|part) \d+\b")
    for line, output in outputs.items():  # people's words, not run keys or state names
        assert not internal.search(output), (line, internal.search(output))
    assert "no problem" in outputs["talentbrief doctor"]
    sources = len(served)
    assert sources == len(load_config(EXAMPLE, env={}).sources)
    assert f"Polled {sources} sources" in outputs["talentbrief poll"]
    assert ", 0 failed;" in outputs["talentbrief poll"]
    assert "visa-policy" in outputs["talentbrief topics"]
    assert HEADLINES[0] in outputs["talentbrief digest --channel console"]
    assert HEADLINES[0] in outputs["talentbrief search 'H-1B since:7d'"]
    assert all(feed_server.hits[path] for path in served)
    assert (checkout / "talentbrief.db").is_file()


def test_the_readme_opens_with_the_two_commands_ci_runs() -> None:
    assert _sh_blocks(README.read_text("utf-8"))[0] == OPENING


def test_every_command_the_readme_shows_exists() -> None:
    parser = build_parser()
    known = set(next(a for a in parser._actions if a.dest == "command").choices or {})
    used = set()
    for block in _sh_blocks(README.read_text("utf-8")):
        words = block.split()
        for index, word in enumerate(words[:-1]):
            if word in ("talentbrief", ".venv/bin/talentbrief") and words[index - 1] != "#":
                used.add(words[index + 1])
    assert used and used <= known | {"-v", "--config"}, used - known


def test_every_channel_the_readme_names_is_in_the_example() -> None:
    names = set(re.findall(r"--channel (\S+)", "\n".join(_sh_blocks(README.read_text("utf-8")))))
    assert names and names <= {c.name for c in load_config(EXAMPLE, env={}).channels}


def test_the_readme_says_what_each_topic_covers() -> None:
    text = README.read_text("utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", _section("Topics and the tagger"), re.M)
    assert [topic for topic, _ in rows] == list(load_taxonomy({}).topic_ids())
    assert all(len(covers) > 60 for _, covers in rows)
    assert "GLOSSARY" not in text and "shared/" not in text  # not part of this repository


def test_the_readme_says_plainly_what_a_file_without_channels_or_sources_has() -> None:
    text = " ".join(_section("Configuration").split())
    assert "without `[[sources]]` it has no sources" in text
    assert "without `[[channels]]` it has no channels" in text


async def test_the_example_needs_no_token_until_a_chat_channel_is_uncommented(
    tmp_path: Path,
) -> None:
    example = load_config(EXAMPLE, env={})
    assert [channel.name for channel in example.channels] == ["console"]
    await Talentbrief(example, env={}).digests.check_channels()  # `run` would start

    edited = tmp_path / "talentbrief.toml"
    edited.write_text(with_chat_channels(EXAMPLE.read_text("utf-8")), "utf-8")
    chat = load_config(edited, env={})
    assert [c.name for c in chat.channels] == ["console", "talent-desk", "policy-watch"]
    with pytest.raises(BadInput, match="SLACK_BOT_TOKEN is not set"):
        await Talentbrief(chat, env={}).digests.check_channels()
