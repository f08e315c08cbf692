"""A feed host for bench/ingest: the realistic corpus over HTTP on 127.0.0.1, in its own process.

It runs apart from the clients it serves, so its work never counts against talentbrief's or
reader's time and memory (a server in a thread of the measured process would share its GIL).
Every document is generated before the port is announced; each carries an ETag, so a second
poll of an unchanged feed is a 304.

    GET  /feeds/{n}.xml          feed n (RSS 2.0 or Atom, see tests/corpus/realistic_feeds.py)
    GET  /huge/{n}.xml           feed n with 5,300 items (about 13 MB), made on first request
    POST /_bump?every=K          publish one new story in every K-th feed (n % K == 0);
                                 answers with the number of feeds changed

Run: `python -m bench.feed_host --feeds 1000` prints `PORT <n>` on stdout once it is ready.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys

from aiohttp import web

from tests.corpus.realistic_feeds import is_atom_feed, realistic_feed

HUGE_ITEMS = 5300


class Host:
    def __init__(self, feeds: int, items: int) -> None:
        self.items = items
        self.versions = [0] * feeds
        self.bodies = [realistic_feed(n, items) for n in range(feeds)]
        self.etags = [self._etag(n) for n in range(feeds)]
        self.huge_bodies: dict[int, bytes] = {}

    def _etag(self, n: int) -> str:
        return '"' + hashlib.sha256(self.bodies[n]).hexdigest()[:20] + '"'

    async def feed(self, request: web.Request) -> web.Response:
        try:
            n = int(request.match_info["n"])
            body = self.bodies[n]
        except (ValueError, IndexError):
            raise web.HTTPNotFound() from None
        headers = {"ETag": self.etags[n]}
        if request.headers.get("If-None-Match") == self.etags[n]:
            return web.Response(status=304, headers=headers)
        kind = "application/atom+xml" if is_atom_feed(n) else "application/rss+xml"
        headers["Content-Type"] = f"{kind}; charset=utf-8"
        return web.Response(body=body, headers=headers)

    async def huge(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n not in self.huge_bodies:
            self.huge_bodies[n] = realistic_feed(n, HUGE_ITEMS)
        return web.Response(
            body=self.huge_bodies[n], headers={"Content-Type": "application/rss+xml"}
        )

    async def bump(self, request: web.Request) -> web.Response:
        every = int(request.query.get("every", "50"))
        changed = 0
        for n in range(0, len(self.bodies), every):
            self.versions[n] += 1
            self.bodies[n] = realistic_feed(n, self.items, self.versions[n])
            self.etags[n] = self._etag(n)
            changed += 1
        return web.Response(text=str(changed))


async def serve(feeds: int, items: int) -> None:
    host = Host(feeds, items)
    app = web.Application()
    app.router.add_get("/feeds/{n}.xml", host.feed)
    app.router.add_get("/huge/{n}.xml", host.huge)
    app.router.add_post("/_bump", host.bump)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    print(f"PORT {port}", flush=True)
    await asyncio.Event().wait()  # until the bench terminates this process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.feeds, args.items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
