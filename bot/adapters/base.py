"""What the digest service needs from a platform: post one part, maybe find one already sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from storage.errors import TalentbriefError


class PostingError(TalentbriefError):
    """The platform refused a message or could not be reached; the run resumes later.

    `maybe_delivered` is False only when the message certainly did not go out (the platform
    answered with a refusal, or no connection was made); otherwise (a 5xx, a timeout) the
    resume first looks for the part on the platform.
    """

    def __init__(
        self,
        message: str,
        *,
        maybe_delivered: bool = True,
        target_lost: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered
        # The bot can no longer post there (channel gone, bot removed, token revoked): waiting
        # will not help, an admin must act.
        self.target_lost = target_lost
        self.retry_after = retry_after  # the platform asked to wait this many seconds (a 429)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str = "image/png"


@dataclass(frozen=True, slots=True)
class Part:
    """One message of a digest run, as stored in the run's payload."""

    index: int
    kind: str  # "message" | "chart"
    body: dict[str, Any]
    run_key: str  # identifies the run on the platform (Slack metadata, Discord nonce)
    thread: str | None = None  # the first message's id, for replies (Slack threads)
    attachment: Attachment | None = None


class DigestPoster(Protocol):
    platform: str

    async def post(self, part: Part) -> str:
        """Send the part; return the platform's id for it."""
        ...

    async def find_posted(self, part: Part, *, since: datetime) -> str | None:
        """The id of this part if an earlier, interrupted attempt did deliver it."""
        ...

    async def aclose(self) -> None: ...
