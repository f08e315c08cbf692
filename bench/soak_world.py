"""The world the soak run lives in: 300 local feeds that keep publishing (5 % of them hostile),
and a fake Slack Web API that rate-limits like Slack and drops connections after accepting.

Everything served is remembered, so the soak can check afterwards that every item was stored
once and every digest part posted once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from tests.fake_slack_api import FakeSlack
from tests.feed_server import FeedServer

__all__ = ["FeedServer", "Feeds", "SoakSlack"]

KEEP = 20  # entries a feed keeps (the oldest scroll off, as on a real site)
SUBJECTS = (
    "USCIS updates H-1B registration guidance for research institutions",
    "State Department extends interview waivers for returning F-1 students",
    "University consortium reviews research security training for visiting scholars",
    "Commerce adds semiconductor research institutes to the Entity List",
    "Provincial talent program recruits overseas AI researchers with housing grants",
    "NSF clarifies disclosure rules for foreign appointments",
    "Graduate enrollment of international students in engineering falls for a second year",
    "Returnee scientists lead a new quantum computing laboratory",
)
HOSTILE_PATHS = (
    "/status/500",
    "/hang",
    "/loop/a",
    "/bomb?size=200000000",
    "/big?size=50000000",
    "/hostile/entities.xml",
    "/hostile/garbage.bin",
    "/hostile/page.html",
    "/hostile/broken.xml",
    "/too-many?retry=30",
    "/chain/9",
    "/hostile/huge-title.xml",
    "/hostile/surrogates.xml",
    "/hostile/nul.xml",
    "/hostile/many.xml",
)


def _rss(slug: str, entries: list[tuple[str, str, str]]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://{slug}.example/{guid}</link>"
        f'<guid isPermaLink="false">{guid}</guid><pubDate>{published}</pubDate></item>'
        for guid, title, published in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{slug}</title><link>https://{slug}.example/</link>{items}</channel></rss>"
    )


def _hostile_documents(server: FeedServer) -> None:
    server.bomb_url(200_000_000)  # compressed now, not while the server should be answering
    laughs = "&a;" * 2000
    server.add(
        "/hostile/entities.xml",
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"x" * 5000}">]>'
        f"<rss><channel><title>{laughs}</title></channel></rss>",
    )
    server.add("/hostile/garbage.bin", bytes(random.Random(7).randbytes(40_000)))
    server.add("/hostile/page.html", "<html><body><h1>Not a feed</h1></body></html>",
               content_type="text/html")  # fmt: skip
    server.add("/hostile/broken.xml", "<rss><channel><item><title>cut off <<<< &&& </tit")
    server.add("/hostile/huge-title.xml", _rss("huge", [("h1", "t" * 200_000, "")]))
    server.add("/hostile/surrogates.xml", _rss("sur", [("s1", "&#xD800;&#xDFFF; bad", "")]))
    server.add("/hostile/nul.xml", _rss("nul", [("n1", "a\x00b", "")]).encode() + b"\x00" * 99)
    many = [(f"m{n}", f"Repeated notice {n}", "") for n in range(3000)]
    server.add("/hostile/many.xml", _rss("many", many))


class Feeds:
    """The healthy feeds publish new entries over time; what each ever served is kept."""

    def __init__(self, server: FeedServer, count: int, hostile_share: float, seed: int) -> None:
        self.server = server
        self.rng = random.Random(seed)
        hostile = round(count * hostile_share)
        self.hostile = [HOSTILE_PATHS[n % len(HOSTILE_PATHS)] for n in range(hostile)]
        self.healthy = [f"/feeds/{n}.xml" for n in range(count - hostile)]
        self.entries: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        self.served: dict[str, set[str]] = defaultdict(set)
        self.published = 0
        _hostile_documents(server)
        for path in self.healthy:
            for _ in range(2):
                self._publish(path)

    def urls(self) -> list[str]:
        return [self.server.url(path) for path in self.healthy + self.hostile]

    def _publish(self, path: str) -> None:
        entries = self.entries[path]
        slug = path.rsplit("/", 1)[1].removesuffix(".xml")
        guid = f"feed{slug}-{len(self.served[path])}"
        title = f"{self.rng.choice(SUBJECTS)} ({slug}/{len(self.served[path])})"
        entries.append((guid, title, format_datetime(datetime.now(UTC), usegmt=True)))
        del entries[:-KEEP]
        self.served[path].add(guid)
        self.published += 1
        self.server.add(path, _rss(f"feed{slug}", entries))

    def publish_some(self, share: float) -> None:
        for path in self.rng.sample(self.healthy, max(1, round(len(self.healthy) * share))):
            self._publish(path)


class SoakSlack(FakeSlack):
    """Slack's one message per second per channel (429 with Retry-After: 1 beyond it), a share
    of posts dropped after they were accepted (the client sees a cut connection), and answers
    that come `latency` seconds after a message was accepted: a kill in that window leaves a
    message on Slack that the bot never heard about."""

    def __init__(self, drop_rate: float, seed: int, latency: float = 0.0) -> None:
        super().__init__()
        self.drop_rate = drop_rate
        self.latency = latency
        self.rng = random.Random(seed)
        self.last_post: dict[str, float] = {}
        self.faults: Counter[str] = Counter()
        self.retry_after = 1.0

    async def post_message(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        channel = str(body.get("channel"))
        now = time.monotonic()
        if now - self.last_post.get(channel, -10.0) < 1.0:
            self.faults["rate_limited"] += 1
            self.requests.append("chat.postMessage")
            return self.rate_limited()
        self.last_post[channel] = now
        if self.rng.random() < self.drop_rate:
            self.faults["dropped_after_accepting"] += 1
            self.drop_next += 1
        answer = await super().post_message(request, body)
        if self.latency:
            await asyncio.sleep(self.latency)
        return answer
