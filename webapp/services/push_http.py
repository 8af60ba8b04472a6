"""The HTTP client that talks to push services: aiohttp, held to what a push sender needs.

- Names are resolved by us and checked before any connection: a host that resolves to a
  private, loopback, link-local or otherwise non-public address is refused
  (`PrivateAddressRefused`), except hosts of explicitly allowlisted test origins. aiohttp then
  connects to exactly the addresses the check saw (so DNS cannot be used to point us inward).
- TLS is verified with the system's CA store and the host name; redirects are never followed;
  at most 1 MiB of an answer is read.
- Connections are kept per origin and reused across requests and batches. A kept connection
  the server closed before answering is replaced once (push services fold a repeated message
  by its Topic, so sending it again is harmless).

Timeouts are the caller's (asyncio.timeout around `post`).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

MAX_BODY = 1024 * 1024
IDLE_SECONDS = 50  # push services close idle connections after about a minute


class PrivateAddressRefused(OSError):
    pass


def address_allowed(address: str) -> bool:
    """Only public unicast addresses (no private, loopback, link-local, multicast, reserved)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class _CheckedResolver(AbstractResolver):
    """The system resolver, refusing any name with a non-public address among its answers."""

    def __init__(self, test_hosts: set[str]):
        self._inner = aiohttp.ThreadedResolver()
        self._test_hosts = test_hosts

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if host not in self._test_hosts and (
            not found or not all(address_allowed(item["host"]) for item in found)
        ):
            raise PrivateAddressRefused(f"{host} resolves to a private address; refused")
        return found

    async def close(self) -> None:
        await self._inner.close()


class Client:
    def __init__(self, test_hosts: set[str] | None = None):
        self.test_hosts = test_hosts or set()
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=_CheckedResolver(self.test_hosts),
                use_dns_cache=False,  # every new connection resolves and checks again
                keepalive_timeout=IDLE_SECONDS,
                limit=0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            )
        return self._session

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Response:
        session = self._open()
        for last_try in (False, True):
            try:
                async with session.post(
                    url, headers=headers, data=body, allow_redirects=False
                ) as answer:
                    data = await answer.content.read(MAX_BODY)
                    names = {name.lower(): value for name, value in answer.headers.items()}
                    return Response(answer.status, names, data)
            except aiohttp.ServerDisconnectedError:
                if last_try:
                    raise ConnectionResetError("the push service closed the connection") from None
            except aiohttp.ClientConnectorError as e:
                if isinstance(e.os_error, PrivateAddressRefused):
                    raise e.os_error from None
                raise
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
