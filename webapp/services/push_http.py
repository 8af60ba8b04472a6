"""A small HTTP/1.1 client for push services: POST, keep-alive, nothing else.

Push services answer a POST with a status, a few headers and (almost always) no body, so the
general-purpose clients spend most of their time on things we never use. This one:

- resolves the host itself and connects to exactly the address it checked: names that resolve
  to private, loopback, link-local or otherwise non-public addresses are refused
  (`PrivateAddressRefused`), except hosts of explicitly allowlisted test origins;
- verifies TLS with the system's CA store and the host name (SNI);
- keeps connections per origin and reuses them across requests and batches; a kept connection
  that the server closed meanwhile is replaced once, transparently;
- never follows redirects, reads at most 64 KiB of headers and 1 MiB of body, and honours
  `Content-Length`, `Transfer-Encoding: chunked` and `Connection: close`.

Timeouts are the caller's (asyncio.timeout around `post`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024
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


class _Stale(Exception):
    """A kept connection was closed by the server before it answered: try a fresh one."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    used_at: float

    def close(self) -> None:
        self.writer.close()


class Client:
    def __init__(self, test_hosts: set[str] | None = None):
        self.test_hosts = test_hosts or set()
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._tls = ssl.create_default_context()

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, host, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [f"Content-Length: {len(body)}", "", ""]
        request = "\r\n".join(lines).encode("latin-1") + body

        connection = self._take(key)
        if connection is not None:
            try:
                return await self._exchange(key, connection, request, reused=True)
            except _Stale:
                pass
        connection = await self._open(scheme, host, port)
        try:
            return await self._exchange(key, connection, request, reused=False)
        except _Stale as e:
            raise ConnectionResetError("the push service closed the connection") from e

    def _take(self, key) -> _Connection | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if now - connection.used_at < IDLE_SECONDS and not connection.reader.at_eof():
                return connection
            connection.close()
        return None

    async def _open(self, scheme: str, host: str, port: int) -> _Connection:
        loop = asyncio.get_running_loop()
        found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [info[4][0] for info in found]
        if host not in self.test_hosts and (
            not addresses or not all(address_allowed(a) for a in addresses)
        ):
            raise PrivateAddressRefused(f"{host} resolves to a private address; refused")
        tls = {"ssl": self._tls, "server_hostname": host} if scheme == "https" else {}
        tried = list(dict.fromkeys(addresses))  # each checked address in turn
        for i, address in enumerate(tried):
            try:
                reader, writer = await asyncio.open_connection(address, port, limit=MAX_HEAD, **tls)
                break
            except OSError:
                if i == len(tried) - 1:
                    raise
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Connection(reader, writer, time.monotonic())

    async def _exchange(self, key, connection: _Connection, request: bytes, reused: bool):
        reader, writer = connection.reader, connection.writer
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            connection.close()
            partial = getattr(e, "partial", b"")
            if reused and not partial:
                raise _Stale from e
            raise ConnectionResetError("the push service closed the connection") from e
        except BaseException:
            connection.close()
            raise
        try:
            status, headers = _parse_head(head)
            if status in (204, 304):
                body, keep = b"", True
            else:
                body, keep = await _read_body(reader, headers)
        except BaseException:
            connection.close()
            raise
        if keep and headers.get("connection", "").lower() != "close":
            connection.used_at = time.monotonic()
            self._idle.setdefault(key, []).append(connection)
        else:
            connection.close()
        return Response(status, headers, body)

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    version, _sep, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1."):
        raise ConnectionError(f"not an HTTP/1.x answer: {lines[0][:40]!r}")
    status = int(rest[:3])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return status, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict) -> tuple[bytes, bool]:
    """The body, and whether the connection can be used again."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return bytes(body), True
            if len(body) + size > MAX_BODY:
                raise ConnectionError("answer too large")
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    if "content-length" in headers:
        length = int(headers["content-length"])
        if length > MAX_BODY:
            raise ConnectionError("answer too large")
        return (await reader.readexactly(length) if length else b""), True
    return await reader.read(MAX_BODY), False  # until the server closes
