"""The client that talks to push services: keep-alive, stale connections, the three ways an
answer can end, no redirects, and no connection to a private address."""

import asyncio
import threading

import pytest

from webapp.services.push_http import Client, PrivateAddressRefused


def in_a_thread(coroutine):
    """asyncio.run in a thread of its own: the browser tests leave an event loop running in
    this one, and the sender runs its loop on a thread in production too."""
    out = {}

    def target():
        try:
            out["value"] = asyncio.run(coroutine)
        except BaseException as err:  # handed back to the test
            out["error"] = err

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def serve(answers: list[bytes], close_after_each: bool = False):
    """A raw HTTP server on 127.0.0.1 that gives the answers in order; counts connections."""
    seen = {"connections": 0, "requests": 0}

    async def handle(reader, writer):
        seen["connections"] += 1
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            writer.write(answers[min(seen["requests"], len(answers) - 1)])
            seen["requests"] += 1
            await writer.drain()
            if close_after_each:
                break
        writer.close()

    return handle, seen


def run(answers, calls: int, close_after_each=False):
    async def main():
        handle, seen = serve(answers, close_after_each)
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = Client({"127.0.0.1"})
        got = []
        for _ in range(calls):
            got.append(await client.post(f"http://127.0.0.1:{port}/push/x", {"TTL": "1"}, b"abc"))
            await asyncio.sleep(0.01)
        await client.aclose()
        server.close()
        return got, seen

    return in_a_thread(main())


OK = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"


def test_connections_are_kept_and_reused():
    got, seen = run([OK], calls=5)
    assert [r.status for r in got] == [201] * 5
    assert seen == {"connections": 1, "requests": 5}


def test_a_connection_the_server_closed_is_replaced_once_without_losing_the_request():
    got, seen = run([OK], calls=3, close_after_each=True)
    assert [r.status for r in got] == [201] * 3
    assert seen == {"connections": 3, "requests": 3}


def test_chunked_and_length_and_until_close_answers_are_read():
    chunked = (
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    sized = b"HTTP/1.1 429 Too Many\r\nRetry-After: 9\r\nContent-Length: 4\r\n\r\nslow"
    until_close = b"HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\nbye"
    got, seen = run([chunked, sized, until_close, OK], calls=4)
    assert [(r.status, r.body) for r in got] == [
        (400, b"hello world"),
        (429, b"slow"),
        (500, b"bye"),
        (201, b""),
    ]
    assert got[1].headers["retry-after"] == "9"
    assert seen["connections"] == 2  # a new one after "Connection: close"


def test_redirects_are_answers_not_instructions():
    got, seen = run(
        [b"HTTP/1.1 307 Go\r\nLocation: http://10.0.0.1/\r\nContent-Length: 0\r\n\r\n"], 1
    )
    assert got[0].status == 307 and seen["requests"] == 1


def test_a_host_resolving_to_a_private_address_is_never_connected_to():
    async def main():
        client = Client()
        try:
            await client.post("http://localhost:9/push/x", {}, b"")
        finally:
            await client.aclose()

    with pytest.raises(PrivateAddressRefused):
        in_a_thread(main())
