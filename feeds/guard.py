"""Refusing addresses a feed URL from chat must never reach (SSRF guard).

A URL someone pasted into chat could point the bot at the machine it runs on, the local network
or a cloud metadata endpoint. The check runs where the connection is made: on the addresses DNS
returned (an aiohttp resolver that hands the connector only checked addresses, so a name that
resolves differently the second time cannot slip through), and on literal IP hosts, which aiohttp
connects to without asking the resolver. The fetcher calls `check_url` on every redirect hop.

`ipaddress.is_global` alone is not enough on Python 3.11–3.13: it calls NAT64, 6to4 and
multicast ranges global. Those are refused explicitly, and IPv4-mapped IPv6 is unwrapped first.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges that tunnel or translate to IPv4: whatever they wrap, a chat URL has no business there.
_TRANSLATED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # NAT64 local-use prefix
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
    )
)
# IETF protocol assignments; Python 3.11-3.13 call parts of it (192.0.0.8) global.
_PROTOCOL_ASSIGNMENTS = ipaddress.ip_network("192.0.0.0/24")
# Named explicitly although not global anyway, so the reason reads well.
_METADATA = (
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
)


class BlockedAddress(OSError):
    """A guarded URL resolved to an address the bot refuses to contact."""


def refusal_reason(address: IPAddress) -> str | None:
    """Why `address` is refused, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in _METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv6Address) and any(address in n for n in _TRANSLATED):
        return "a NAT64/6to4/Teredo address"
    if address.is_private:
        return "a private address"
    if not address.is_global or address in _PROTOCOL_ASSIGNMENTS:
        return "a reserved, non-public address"
    return None


class AddressGuard:
    """The policy: refuse every non-public address except networks an operator allowed.

    `allow` exists for operators with feeds on their own network, and for tests, whose servers
    listen on loopback.
    """

    def __init__(self, allow: Iterable[str | IPNetwork] = ()) -> None:
        self.allow: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(net, strict=False) if isinstance(net, str) else net
            for net in allow
        )

    def check_address(self, host: str, address_text: str) -> None:
        """Raise `BlockedAddress` if `address_text` (an IP literal) may not be contacted."""
        address = ipaddress.ip_address(address_text.split("%", 1)[0])
        if any(address.version == net.version and address in net for net in self.allow):
            return
        reason = refusal_reason(address)
        if reason is not None:
            shown = host if host == address_text else f"{host} ({address_text})"
            raise BlockedAddress(f"refused to connect to {shown}: {reason}")

    def check_url(self, url: URL) -> None:
        """Check a URL whose host is an IP literal (aiohttp skips the resolver for those)."""
        host = (url.raw_host or "").strip("[]")
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return  # a name: the resolver checks what it resolves to
        self.check_address(host, host)

    def resolver(self) -> GuardedResolver:
        return GuardedResolver(self)


class GuardedResolver(AbstractResolver):
    """Resolves with aiohttp's default resolver, then drops refused addresses."""

    def __init__(self, guard: AddressGuard, inner: AbstractResolver | None = None) -> None:
        self._guard = guard
        self._inner: AbstractResolver = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed: list[ResolveResult] = []
        first_refusal: BlockedAddress | None = None
        for result in results:
            try:
                self._guard.check_address(host, str(result["host"]))
            except BlockedAddress as exc:
                first_refusal = first_refusal or exc
                continue
            allowed.append(result)
        if not allowed:
            raise first_refusal or BlockedAddress(f"{host} did not resolve to any address")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def blocked_cause(exc: BaseException) -> BlockedAddress | None:
    """Find a `BlockedAddress` inside aiohttp's connection errors, if that is what failed."""
    seen: set[int] = set()
    current: Any = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, BlockedAddress):
            return current
        seen.add(id(current))
        current = getattr(current, "os_error", None) or current.__cause__ or current.__context__
    return None
