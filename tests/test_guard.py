"""The address guard for chat-added sources, at connect time and on every redirect hop.

The test servers listen on loopback, so the "public" server here is one on 127.0.0.2 that the
guard is told to allow; everything else on loopback must still be refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.fetch import Fetcher, FetchError, FetchRequest, FetchSettings
from feeds.guard import AddressGuard, refusal_reason
from tests.feed_server import FeedServer

RSS = (Path(__file__).parent / "fixtures" / "rss20.xml").read_bytes()
SETTINGS = FetchSettings(timeout=2.0, connect_timeout=1.0)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("fe80::1", "link-local"),
        ("169.254.10.10", "link-local"),
        ("0.0.0.0", "private"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6 is unwrapped
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "NAT64"),
        ("64:ff9b::808:808", "NAT64"),  # even wrapping a public address
        ("2002:7f00:1::1", "6to4"),
        ("2001:0:4136:e378::1", "Teredo"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("192.0.0.8", "non-public"),
        ("fc00::1", "private"),
        ("2001:db8::1", "private"),  # documentation range
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    found = refusal_reason(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


@pytest.fixture
def public_server() -> Iterator[FeedServer]:
    """Stands in for a public host: on 127.0.0.2, which the tests' guard allows."""
    with FeedServer(host="127.0.0.2") as server:
        yield server


def _guard() -> AddressGuard:
    return AddressGuard(allow=["127.0.0.2/32"])


async def _guarded(url: str, guard: AddressGuard | None = None) -> bytes:
    async with Fetcher(SETTINGS, guard=guard or _guard()) as fetcher:
        return (await fetcher.fetch(FetchRequest(url, guarded=True))).body


async def test_guarded_fetch_of_an_allowed_host_works(public_server: FeedServer) -> None:
    assert await _guarded(public_server.add("/rss.xml", RSS)) == RSS


async def test_guarded_fetch_of_loopback_literal_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.add("/rss.xml", RSS)
    with pytest.raises(FetchError, match=r"refused to connect to 127\.0\.0\.1: a loopback"):
        await _guarded(url)
    assert feed_server.hits["/rss.xml"] == 0


async def test_guarded_fetch_of_a_name_resolving_to_loopback_is_refused(
    feed_server: FeedServer,
) -> None:
    url = feed_server.add("/rss.xml", RSS).replace("127.0.0.1", "localhost")
    with pytest.raises(FetchError, match=r"refused to connect to localhost \(.+\): a loopback"):
        await _guarded(url)
    assert feed_server.hits["/rss.xml"] == 0


async def test_ipv4_mapped_literal_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.add("/rss.xml", RSS).replace("127.0.0.1", "[::ffff:127.0.0.1]")
    with pytest.raises(FetchError, match="loopback"):
        await _guarded(url)


async def test_redirect_from_an_allowed_host_to_loopback_is_refused(
    public_server: FeedServer, feed_server: FeedServer
) -> None:
    target = feed_server.add("/internal.xml", RSS)
    for hop in (target, target.replace("127.0.0.1", "localhost")):
        with pytest.raises(FetchError, match="refused to connect"):
            await _guarded(public_server.url(f"/redirect?to={hop}"))
    assert public_server.hits["/redirect"] == 2
    assert feed_server.hits["/internal.xml"] == 0


async def test_trusted_sources_are_not_guarded(feed_server: FeedServer) -> None:
    url = feed_server.add("/rss.xml", RSS)
    async with Fetcher(SETTINGS) as fetcher:
        assert (await fetcher.fetch(FetchRequest(url, guarded=False))).body == RSS


async def test_the_default_guard_allows_nothing_private(public_server: FeedServer) -> None:
    url = public_server.add("/rss.xml", RSS)
    with pytest.raises(FetchError, match="loopback"):
        await _guarded(url, AddressGuard())
