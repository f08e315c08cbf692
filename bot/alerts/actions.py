"""The alert actions of the application core, reached as `core.alerts`: subscribe, unsubscribe,
list subscriptions, resume a paused target, and tell the admins.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.adapters.base import Part, PostingError
from bot.alerts import subscriptions as subscription_actions
from bot.alerts.subscriptions import SubscriptionView, Target
from bot.commands.model import Reply
from bot.platforms import platform
from storage.alert_targets import resume_target
from storage.errors import BadInput
from storage.source_health import HealthChange, take_health_changes
from storage.subscriptions import Owner, SubscriptionRecord

if TYPE_CHECKING:
    from bot.core import Talentbrief

log = logging.getLogger(__name__)


class AlertActions:
    def __init__(self, core: Talentbrief) -> None:
        self.core = core

    async def subscribe(self, owner: Owner, query: str, target: Target) -> SubscriptionRecord:
        """Save a query; new items that match it are posted to `target`. The query is checked
        like a search (its `tag:` terms against the taxonomy)."""
        self.core.parse_query(query)
        limit = self.core.config.alerts.max_per_user
        return await self.core.in_session(
            lambda s: subscription_actions.subscribe(s, owner, query, target, max_per_owner=limit)
        )

    async def unsubscribe(self, subscription_id: int, owner: Owner | None) -> SubscriptionRecord:
        """Remove a subscription; `owner` None: an operator, who may remove anyone's."""
        return await self.core.in_session(subscription_actions.unsubscribe, subscription_id, owner)

    async def subscriptions(self, owner: Owner | None = None) -> list[SubscriptionView]:
        return await self.core.in_session(subscription_actions.subscriptions, owner)

    async def resume(self, platform_name: str, target_id: str, *, drop_backlog: bool) -> int:
        """Let a paused target's deliveries go out again (or skip its backlog)."""
        platform(platform_name)  # a known platform, or BadInput
        resumed: int = await self.core.in_session(
            lambda s: resume_target(
                s, platform_name, target_id, now=datetime.now(UTC), drop_backlog=drop_backlog
            )
        )
        return resumed

    async def tell_source_health(self) -> int:
        """One notice to the admin channel per source that started failing, went quiet or
        recovered since the last notice; the number of changes told."""
        quiet_after = self.core.config.alerts.quiet_after_intervals
        changes: list[HealthChange] = await self.core.in_session(
            lambda s: take_health_changes(s, now=datetime.now(UTC), quiet_after=quiet_after)
        )
        if not changes:
            return 0
        fields = tuple(
            (change.source, f"{change.before} → {change.after}: {change.detail}")
            for change in changes
        )
        await self.notify_admins(Reply(title="Source health", fields=fields, private=False))
        return len(changes)

    async def notify_admins(self, reply: Reply) -> bool:
        """Post to `[alerts] admin_channel`; True when it went out (or there is none to tell:
        then the log says it)."""
        name = self.core.config.alerts.admin_channel
        if name is None:
            log.warning("%s: %s", reply.title, " ".join(reply.lines))
            return True
        channel = next(c for c in self.core.config.channels if c.name == name)
        chosen = platform(channel.platform)
        try:
            poster = chosen.poster(
                channel.target, self.core.config, env=self.core.env, console=self.core.console
            )
        except BadInput as exc:
            log.warning("cannot tell the admin channel %s: %s", name, exc)
            return False
        try:
            for index, body in enumerate(chosen.render_reply(reply)):
                await poster.post(Part(index, "message", body, f"notice{id(reply)}"))
        except PostingError as exc:
            log.warning("cannot tell the admin channel %s: %s", name, exc)
            return False
        finally:
            await poster.aclose()
        return True
