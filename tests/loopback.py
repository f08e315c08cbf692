"""Serve an aiohttp application on a free port of 127.0.0.1, as every fake server starts."""

from __future__ import annotations

from typing import Any

from aiohttp import web


async def serve_on_loopback(
    app: web.Application, *, host: str = "127.0.0.1", **runner_options: Any
) -> tuple[web.AppRunner, int]:
    """Start `app` on an unused port; return its runner (to clean up) and the port."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    await web.TCPSite(runner, host, 0).start()
    port: int = runner.addresses[0][1]
    return runner, port
