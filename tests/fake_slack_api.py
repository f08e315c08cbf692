"""A fake Slack Web API on 127.0.0.1: what a digest poster and a slack-bolt AsyncApp call.

Point a client at it with `AsyncWebClient(token=BOT_TOKEN, base_url=slack.api)`. Every /api/
method checks its token as Slack does: none → `not_authed`, unknown → `invalid_auth`, one passed
to `revoke()` → `token_revoked`, an app token where a bot token belongs (or the reverse) →
`not_allowed_token_type`. Posts (chat.postMessage, chat.postEphemeral, response_url POSTs) are
recorded in `posted` and obey the fault knobs of fake_http.FakeServer. `start_socket_mode()`
adds the Socket Mode fake (fake_slack_socket.py) that `apps.connections.open` hands out.
`conversations.info` answers from `channels` (#desk, the bot a member, to begin with) unless
`missing_scopes` holds channels:read; `conversations.history` answers not_in_channel for a
known channel the bot is not a member of.
"""

from __future__ import annotations

import json
import math
from typing import Any

from aiohttp import web

from tests.fake_http import FakeServer, Posted, read_body
from tests.fake_slack_payloads import (
    ADA,
    APP_ID,
    BEN,
    BOT_ID,
    BOT_USER_ID,
    DESK,
    TEAM_DOMAIN,
    TEAM_ID,
)
from tests.fake_slack_socket import FakeSlackSocket

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"

USERS: dict[str, dict[str, Any]] = {
    ADA: {"name": "ada", "real_name": "Ada Whitfield", "is_admin": True, "is_owner": False},
    BEN: {"name": "ben", "real_name": "Ben Okafor", "is_admin": False, "is_owner": False},
    BOT_USER_ID: {"name": "talentbrief", "real_name": "talentbrief", "is_bot": True},
}


class FakeSlack(FakeServer):
    """The Web API methods under /api/, the files_upload_v2 upload URLs and response_urls."""

    def __init__(self) -> None:
        super().__init__()
        self.bot_token = BOT_TOKEN
        self.app_token = APP_TOKEN
        self.revoked: set[str] = set()
        self.authorizations: list[tuple[str, str]] = []  # (method, token) of every API call
        self.users = {user_id: {"id": user_id, **info} for user_id, info in USERS.items()}
        # What conversations.info knows; a test may add channels or take the bot out of one.
        self.missing_scopes: set[str] = set()  # e.g. channels:read, as an app installed without
        self.channels: dict[str, dict[str, Any]] = {
            DESK: {"id": DESK, "name": "desk", "is_channel": True, "is_private": False,
                   "is_archived": False, "is_member": True},
        }  # fmt: skip
        self.uploads: dict[str, bytes] = {}
        self.filenames: dict[str, str] = {}
        self.completed: list[dict[str, Any]] = []
        self.socket_mode: FakeSlackSocket | None = None
        self._ts = 0
        self._response_urls = 0
        self.response_peers: list[tuple[str, int]] = []  # the client end of each response_url POST
        methods = {
            "auth.test": self.auth_test,
            "apps.connections.open": self.connections_open,
            "chat.postMessage": self.post_message,
            "chat.postEphemeral": self.post_ephemeral,
            "conversations.history": self.history,
            "conversations.replies": self.history,
            "conversations.open": self.conversations_open,
            "conversations.info": self.conversations_info,
            "users.info": self.users_info,
            "files.getUploadURLExternal": self.upload_url,
            "files.completeUploadExternal": self.complete,
        }
        for method, handler in methods.items():
            self.app.router.add_route("*", f"/api/{method}", self._checked(method, handler))
        self.app.router.add_post("/upload/{file_id}", self.upload)
        self.app.router.add_post("/response/{serial}", self.response_url_post)

    @property
    def api(self) -> str:
        return f"{self.base}/api/"

    @property
    def messages(self) -> list[Posted]:
        return [p for p in self.posted if p.path == "chat.postMessage"]

    @property
    def responses(self) -> list[Posted]:
        """What was POSTed to response_urls (slash-command replies), in order."""
        return [p for p in self.posted if p.path == "response_url"]

    def revoke(self, token: str) -> None:
        self.revoked.add(token)

    def new_response_url(self) -> str:
        """A response_url that records what is POSTed to it, as a slash command carries."""
        self._response_urls += 1
        return f"{self.base}/response/{self._response_urls}"

    async def start_socket_mode(self) -> FakeSlackSocket:
        """Start the Socket Mode server that apps.connections.open will hand out."""
        self.socket_mode = await FakeSlackSocket(self).start()
        return self.socket_mode

    async def stop(self) -> None:
        if self.socket_mode is not None:
            await self.socket_mode.stop()
        await super().stop()

    # -- faults -------------------------------------------------------------------------------

    def rate_limited(self) -> web.Response:
        return web.json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(math.ceil(self.retry_after))},
        )

    def refused(self) -> web.Response:
        return web.json_response({"ok": False, "error": "fatal_error"})

    # -- the Web API --------------------------------------------------------------------------

    def _checked(self, method: str, handler: Any) -> Any:
        async def checked(request: web.Request) -> web.StreamResponse:
            body = await read_body(request)
            header = request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip() or body.get("token", "")
            self.authorizations.append((method, token))
            error = self._token_error(method, token)
            if error:
                self.requests.append(method)
                return web.json_response({"ok": False, "error": error})
            response: web.StreamResponse = await handler(request, body)
            return response

        return checked

    def _token_error(self, method: str, token: str) -> str | None:
        if not token:
            return "not_authed"
        if token in self.revoked:
            return "token_revoked"
        if token not in (self.bot_token, self.app_token):
            return "invalid_auth"
        wants_app_token = method == "apps.connections.open"
        if (token == self.app_token) != wants_app_token:
            return "not_allowed_token_type"
        return None

    async def auth_test(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        self.requests.append("auth.test")
        return web.json_response(
            {
                "ok": True,
                "url": f"https://{TEAM_DOMAIN}.slack.com/",
                "team": "Talentbrief Test",
                "user": "talentbrief",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        )

    async def connections_open(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        self.requests.append("apps.connections.open")
        if self.socket_mode is None:
            return web.json_response({"ok": False, "error": "socket_mode_not_started_in_fake"})
        return web.json_response({"ok": True, "url": self.socket_mode.new_url()})

    def _next_ts(self) -> str:
        self._ts += 1
        return f"1772456400.{self._ts:06d}"

    async def post_message(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        def answer(posted: Posted) -> web.Response:
            message = {"type": "message", "text": body.get("text"), "user": BOT_USER_ID}
            return web.json_response(
                {"ok": True, "channel": body.get("channel"), "ts": posted.id, "message": message}
            )

        return await self.deliver(
            request, "chat.postMessage", body, new_id=self._next_ts, answer=answer
        )

    async def post_ephemeral(
        self, request: web.Request, body: dict[str, Any]
    ) -> web.StreamResponse:
        if not body.get("user"):
            return web.json_response({"ok": False, "error": "user_not_in_channel"})

        def answer(posted: Posted) -> web.Response:
            return web.json_response({"ok": True, "message_ts": posted.id})

        return await self.deliver(
            request, "chat.postEphemeral", body, new_id=self._next_ts, answer=answer
        )

    async def response_url_post(self, request: web.Request) -> web.StreamResponse:
        serial = int(request.match_info["serial"])
        if serial > self._response_urls:
            return web.Response(status=404, text="no_such_response_url")
        body = await read_body(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer is not None:
            self.response_peers.append((peer[0], peer[1]))
        return await self.deliver(
            request,
            "response_url",
            body,
            new_id=lambda: str(serial),
            answer=lambda _: web.Response(text="ok"),
        )

    async def conversations_open(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        self.requests.append("conversations.open")
        users = str(body.get("users", ""))
        if not users or users.split(",", maxsplit=1)[0] not in self.users:
            return web.json_response({"ok": False, "error": "user_not_found"})
        first = users.split(",", maxsplit=1)[0]
        return web.json_response({"ok": True, "channel": {"id": f"D{first[1:]}"}})

    async def conversations_info(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        self.requests.append("conversations.info")
        if "channels:read" in self.missing_scopes:
            return web.json_response(
                {"ok": False, "error": "missing_scope", "needed": "channels:read"}
            )
        channel = self.channels.get(str(body.get("channel", "")))
        if channel is None:
            return web.json_response({"ok": False, "error": "channel_not_found"})
        return web.json_response({"ok": True, "channel": channel})

    async def users_info(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        self.requests.append("users.info")
        user = self.users.get(str(body.get("user", "")))
        if user is None:
            return web.json_response({"ok": False, "error": "user_not_found"})
        return web.json_response(
            {"ok": True, "user": {"team_id": TEAM_ID, "deleted": False, **user}}
        )

    async def history(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        thread = body.get("ts")
        self.requests.append("conversations." + ("replies" if thread else "history"))
        known = self.channels.get(str(body.get("channel", "")))
        if known is not None and not known.get("is_member"):
            return web.json_response({"ok": False, "error": "not_in_channel"})
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
        for posted in self.posted:  # files shared into the thread (the weekly chart)
            shared = posted.path == "files.completeUploadExternal"
            if shared and thread and posted.body.get("thread_ts") == thread:
                name = self.filenames.get(posted.id, "")
                file = {"id": posted.id, "name": name}
                messages.append({"ts": f"file-{posted.id}", "files": [file]})
        return web.json_response({"ok": True, "messages": messages})

    async def upload_url(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        file_id = f"F{len(self.uploads) + 1}"
        self.uploads[file_id] = b""
        self.filenames[file_id] = str(body.get("filename") or "")
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

    async def complete(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        """Share uploaded files: a post like chat.postMessage (the fault knobs apply)."""
        given = body.get("files") or "[]"
        files: list[dict[str, Any]] = json.loads(given) if isinstance(given, str) else given
        return await self.deliver(
            request,
            "files.completeUploadExternal",
            body,
            new_id=lambda: str(files[0]["id"]),
            answer=lambda _: web.json_response({"ok": True, "files": files}),
            accepted=lambda _: self.completed.append(body),
        )


__all__ = ["APP_ID", "APP_TOKEN", "BOT_TOKEN", "FakeSlack"]
