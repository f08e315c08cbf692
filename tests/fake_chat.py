"""Fake Slack Web API and Discord REST API servers on 127.0.0.1 (aiohttp.web).

They record what was posted and can be told to fail: `fail_next` answers the next N posts
with a 500 without posting; `lose_next` posts the message and *then* answers 500 (the crash
window between a platform accepting a message and us recording it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Posted:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    id: str
    files: dict[str, bytes] = field(default_factory=dict)


class FakeServer:
    def __init__(self) -> None:
        self.app = web.Application()
        self.posted: list[Posted] = []
        self.requests: list[str] = []
        self.fail_next = 0
        self.lose_next = 0
        self.rate_limit_next = 0
        self.fail_calls: set[int] = set()  # fail these post attempts (1-based), not posting
        self.calls = 0
        self.runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> FakeServer:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def _take_failure(self) -> str | None:
        self.calls += 1
        if self.calls in self.fail_calls:
            return "fail"
        if self.rate_limit_next:
            self.rate_limit_next -= 1
            return "rate"
        if self.fail_next:
            self.fail_next -= 1
            return "fail"
        if self.lose_next:
            self.lose_next -= 1
            return "lose"
        return None


async def _body(request: web.Request) -> dict[str, Any]:
    data: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        data.update({key: value for key, value in form.items() if isinstance(value, str)})
    return data


class FakeSlack(FakeServer):
    """chat.postMessage, conversations.history/replies, and the files_upload_v2 steps."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: dict[str, bytes] = {}
        self.completed: list[dict[str, Any]] = []
        self._ts = 0
        self.app.router.add_post("/api/chat.postMessage", self.post_message)
        for method in ("conversations.history", "conversations.replies"):
            self.app.router.add_route("*", f"/api/{method}", self.history)
        self.app.router.add_route("*", "/api/files.getUploadURLExternal", self.upload_url)
        self.app.router.add_post("/upload/{file_id}", self.upload)
        self.app.router.add_post("/api/files.completeUploadExternal", self.complete)

    @property
    def api(self) -> str:
        return f"{self.base}/api/"

    @property
    def messages(self) -> list[Posted]:
        return [p for p in self.posted if p.path == "chat.postMessage"]

    async def post_message(self, request: web.Request) -> web.Response:
        self.requests.append("chat.postMessage")
        body = await _body(request)
        failure = self._take_failure()
        if failure == "rate":
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
            )
        if failure == "fail":
            return web.json_response({"ok": False, "error": "fatal_error"})
        self._ts += 1
        ts = f"1772456400.{self._ts:06d}"
        self.posted.append(Posted("chat.postMessage", body, dict(request.headers), ts))
        if failure == "lose":
            return web.Response(status=500, text="internal error")
        return web.json_response({"ok": True, "channel": body.get("channel"), "ts": ts})

    async def history(self, request: web.Request) -> web.Response:
        body = await _body(request)
        thread = body.get("ts")
        self.requests.append("conversations." + ("replies" if thread else "history"))
        messages = []
        for posted in self.messages:
            in_thread = posted.body.get("thread_ts")
            if (thread and thread in (in_thread, posted.id)) or (not thread and not in_thread):
                messages.append(
                    {
                        "ts": posted.id,
                        "text": posted.body.get("text"),
                        "metadata": posted.body.get("metadata"),
                    }
                )
        return web.json_response({"ok": True, "messages": messages})

    async def upload_url(self, request: web.Request) -> web.Response:
        body = await _body(request)
        file_id = f"F{len(self.uploads) + 1}"
        self.uploads[file_id] = b""
        self.requests.append("files.getUploadURLExternal")
        return web.json_response(
            {
                "ok": True,
                "upload_url": f"{self.base}/upload/{file_id}",
                "file_id": file_id,
                "filename": body.get("filename"),
            }
        )

    async def upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - 200")

    async def complete(self, request: web.Request) -> web.Response:
        body = await _body(request)
        files = body.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        self.completed.append(body)
        self.posted.append(
            Posted("files.completeUploadExternal", body, dict(request.headers), files[0]["id"])
        )
        return web.json_response({"ok": True, "files": files})


class FakeDiscord(FakeServer):
    """POST /api/v10/channels/{id}/messages (bot token, nonces) and webhook executes."""

    def __init__(self) -> None:
        super().__init__()
        self._id = 1_000_000_000_000_000_000
        self._by_nonce: dict[str, str] = {}
        self.app.router.add_post("/api/v10/channels/{channel}/messages", self.channel_message)
        self.app.router.add_post("/api/v10/webhooks/{webhook}/{token}", self.webhook_message)

    @property
    def api(self) -> str:
        return f"{self.base}/api/v10"

    async def _read(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        if request.content_type.startswith("multipart/"):
            body: dict[str, Any] = {}
            files: dict[str, bytes] = {}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files[part.filename or part.name or ""] = await part.read()  # type: ignore[union-attr]
            return body, files
        return await request.json(), {}

    async def _create(self, request: web.Request, path: str, *, nonces: bool) -> web.Response:
        body, files = await self._read(request)
        self.requests.append(path)
        failure = self._take_failure()
        if failure == "rate":
            return web.json_response({"retry_after": 0.01, "global": False}, status=429)
        if failure == "fail":
            return web.Response(status=502, text="bad gateway")
        nonce = body.get("nonce")
        if nonces and body.get("enforce_nonce") and nonce in self._by_nonce:
            return web.json_response({"id": self._by_nonce[nonce], "nonce": nonce})
        self._id += 1
        message_id = str(self._id)
        if nonce:
            self._by_nonce[nonce] = message_id
        self.posted.append(Posted(path, body, dict(request.headers), message_id, files))
        if failure == "lose":
            return web.Response(status=500, text="internal error")
        return web.json_response({"id": message_id, **body})

    async def channel_message(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bot discord-test-token":
            return web.json_response({"message": "401: Unauthorized"}, status=401)
        return await self._create(request, f"channels/{request.match_info['channel']}", nonces=True)

    async def webhook_message(self, request: web.Request) -> web.Response:
        if request.query.get("wait") != "true":
            return web.Response(status=204)
        return await self._create(request, "webhook", nonces=False)
