"""Bounds of the signaling listener before the WebSocket upgrade, and its plain-HTTP answers.

A connection to the signaling port holds server resources from the moment it is accepted, so the listener bounds
what a client can do before it has upgraded (limits.yaml `websocket:`):

- `handshakeTimeout` (default 10s): a connection that has not completed its upgrade within it is closed, whether
  it sent nothing, half a request head, or a head trickled a byte at a time;
- `maxHeaderSize` (default 16KiB): a larger request head is answered `431` and the connection closed;
- `maxConnectionsPerIP`: connections count from accept, so idle TCP connections use up an address's allowance.

Plain HTTP on the port: a GET without Upgrade on the signaling path is `426`, an unknown path `404` (JSON bodies),
and `/healthz` is answered there too. Everything here is raw sockets (raw_ws.py) with deadlines: no test waits to
prove that nothing happens. The tests use no store feature beyond announcing a device, so they run on both stores.
"""

from __future__ import annotations

import select
import socket
import time
from typing import Any

from raw_ws import (OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, POLICY_VIOLATION, CloseResult, RawWebSocket, Reader, ServerClosed,
                    announce_device, connect_tcp, encode_frame, http_exchange, read_http_response,
                    send_tolerating_close, signaling_path, upgrade_request, wait_closed)

HALF_HEAD = b"GET /signaling/peer_x HTTP/1.1\r\nHost: x\r\n"  # no final blank line: the head never ends


# -- websocket.handshakeTimeout


def test_handshake_timeout_closes_a_silent_connection(start_registry):
    """With handshakeTimeout 1s, a TCP connection that sends nothing is closed by the server (EOF or reset) between
    0.5 s and 5 s after connecting, while a socket upgraded before it stays open past the timeout (pong, and a
    frame answered, 2 s after its upgrade)."""
    registry = start_registry(limits={"websocket.handshakeTimeout": "1s"})
    closes_connection_that_does_not_upgrade(registry, b"")


def test_handshake_timeout_closes_a_half_sent_request_head(start_registry):
    """With handshakeTimeout 1s, a connection that sent a request line and one header but never the blank line
    ending the head is closed between 0.5 s and 5 s after connecting (without a 101), while an upgraded socket
    beside it stays open past the timeout."""
    registry = start_registry(limits={"websocket.handshakeTimeout": "1s"})
    closes_connection_that_does_not_upgrade(registry, HALF_HEAD)


def closes_connection_that_does_not_upgrade(registry: Any, sent: bytes) -> None:
    device, token, _ = announce_device(registry)
    with RawWebSocket.open(registry.ws_port, signaling_path(device), token) as upgraded:
        upgraded_at = time.monotonic()
        with connect_tcp(registry.ws_port) as sock:
            started = time.monotonic()
            if sent:
                sock.sendall(sent)
            _, received, _ = wait_closed(sock, timeout=5, context=f"handshakeTimeout 1s, a connection that sent {sent!r}")
            elapsed = time.monotonic() - started
        assert elapsed >= 0.5, f"closed after {elapsed:.2f}s: before the 1s handshake timeout"
        assert not received.startswith(b"HTTP/1.1 101"), received[:200]
        # The upgraded socket is past its handshake: the timeout no longer applies to it.
        time.sleep(max(0.0, upgraded_at + 2 - time.monotonic()))
        upgraded.ping(b"still open after 2s")
        upgraded.sync()


def test_handshake_timeout_bounds_the_whole_head_not_the_idle_time(start_registry):
    """A request head trickled one byte every 100 ms never leaves the connection idle for long, yet it has not
    completed its upgrade within handshakeTimeout (1s): the server closes it within 5 s (and not before 0.5 s),
    without a 101. The timeout is a deadline from accept, not an idle timer."""
    registry = start_registry(limits={"websocket.handshakeTimeout": "1s"})
    head, _ = upgrade_request("/signaling/peer_trickle", extra_headers=[("X-Pad", "a" * 200)])
    with connect_tcp(registry.ws_port) as sock:
        started = time.monotonic()
        received = b""
        closed = False
        for i in range(len(head) - 2):  # never the final CRLF: the head cannot complete even if the server waits
            if time.monotonic() - started > 5:
                break
            if not send_tolerating_close(sock, head[i:i + 1], timeout=1):
                closed = True
                break
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable:
                try:
                    chunk = sock.recv(65536)
                except ConnectionError:
                    closed = True
                    break
                if not chunk:
                    closed = True
                    break
                received += chunk  # a 408 before the close would be fine; keep reading until the close
        if not closed and time.monotonic() - started <= 5:
            _, more, _ = wait_closed(sock, timeout=max(0.1, 5 - (time.monotonic() - started)))
            received += more
            closed = True
        elapsed = time.monotonic() - started
    assert closed, f"a trickled request head kept the connection open for {elapsed:.1f}s (handshakeTimeout 1s)"
    assert 0.5 <= elapsed <= 5.5, f"closed after {elapsed:.2f}s"
    assert not received.startswith(b"HTTP/1.1 101"), received[:200]


# -- websocket.maxHeaderSize


def oversized_head_gets_431(port: int, path: str, token: str, pad: int) -> None:
    """An upgrade request with an X-Pad header of `pad` bytes is answered `431` (it may be refused before it is all
    sent), then the server closes the connection."""
    request, _ = upgrade_request(path, token, extra_headers=[("X-Pad", "a" * pad)])
    with connect_tcp(port) as sock:
        send_tolerating_close(sock, request)
        reader = Reader(sock)
        try:
            response = read_http_response(reader, timeout=10)
        except ServerClosed as closed:
            raise AssertionError(f"a {len(request)}-byte request head: {closed} without a response (expected 431)") from None
        except socket.timeout:
            raise AssertionError(f"a {len(request)}-byte request head: no response within 10 s (expected 431)") from None
        assert response.head.startswith(b"HTTP/1.1 431"), f"a {len(request)}-byte request head: {response}"
        wait_closed(sock, timeout=10, buffered=bytes(reader.buffer), context=f"after the 431 to a {len(request)}-byte request head")


def test_request_head_over_default_max_header_size_gets_431(registry):
    """With the default maxHeaderSize (16KiB), a ~100 KB request head (a long X-Pad header on an otherwise valid
    upgrade) gets `HTTP/1.1 431` and the connection is closed; a valid upgrade carrying a ~2 KB header still
    succeeds (101 with the right Sec-WebSocket-Accept, then pong and frames answered)."""
    device, token, _ = announce_device(registry)
    oversized_head_gets_431(registry.ws_port, signaling_path(device), token, pad=100_000)
    with RawWebSocket.open(registry.ws_port, signaling_path(device), token, extra_headers=[("X-Pad", "b" * 2048)]) as ws:
        ws.ping()
        ws.sync()


def test_max_header_size_is_read_from_limits(start_registry):
    """With maxHeaderSize 4KiB, an 8 KB request head gets `431` and is closed, and a ~2 KB one still upgrades."""
    registry = start_registry(limits={"websocket.maxHeaderSize": "4KiB"})
    device, token, _ = announce_device(registry)
    oversized_head_gets_431(registry.ws_port, signaling_path(device), token, pad=8192)
    with RawWebSocket.open(registry.ws_port, signaling_path(device), token, extra_headers=[("X-Pad", "b" * 2048)]) as ws:
        ws.ping()
        ws.sync()


# -- websocket.maxConnectionsPerIP counts from accept

CLIENT_IP = "127.0.0.2"  # away from 127.0.0.1, where the fixture's readiness probe connects from


def upgrade_outcome(port: int, path: str, token: str, local_address: str) -> tuple[str, Any]:
    """Attempts a complete, valid upgrade and says what became of it:

    - ("closed", why): the TCP connection ended (or could not be made) without an HTTP response;
    - ("http", response): an HTTP response other than 101;
    - ("refused", CloseResult): a 101, then an error frame and a close frame, before anything else;
    - ("usable", RawWebSocket): a 101, then a pong for the ping sent right after it (the caller closes it).

    A 101 followed by anything else fails here.
    """
    try:
        sock = connect_tcp(port, local_address, timeout=10)
    except (ConnectionRefusedError, ConnectionResetError) as error:
        return "closed", f"connect failed: {error}"
    request, key = upgrade_request(path, token)
    send_tolerating_close(sock, request)
    reader = Reader(sock)
    try:
        response = read_http_response(reader, timeout=10)
    except ServerClosed as closed:
        sock.close()
        return "closed", str(closed)
    except socket.timeout:
        sock.close()
        raise AssertionError("a complete upgrade request got no answer within 10 s (neither a response nor a close)") from None
    if response.status != 101:
        sock.close()
        return "http", response
    ws = RawWebSocket(sock, reader, response)
    ws.try_send(encode_frame(OP_PING, b"usable?"))
    try:
        first = ws.next_frame(10)
    except ServerClosed as closed:
        ws.close()
        raise AssertionError(f"upgraded (101), then {closed} without an error frame and a close frame") from None
    if first.opcode == OP_PONG and first.payload == b"usable?":
        return "usable", ws
    try:
        frames = [first]
        if first.opcode != OP_CLOSE:
            result = ws.expect_close_and_end(10, context=f"upgraded, then {first}")
            result.before = frames + result.before
        else:
            ws.try_send(encode_frame(OP_CLOSE, first.payload[:2]))
            ws.wait_end(10)
            result = CloseResult(first.close_code, first.payload[2:].decode(errors="replace"), [])
    finally:
        ws.close()
    return "refused", result


def test_pre_upgrade_connections_count_toward_max_connections_per_ip(start_registry):
    """With maxConnectionsPerIP 3, three idle TCP connections (nothing sent) from one address use up its allowance:
    a fourth connection from it attempting a complete, valid upgrade does not get a working socket. Accepted: the
    TCP connection closed without an upgrade, an HTTP error status, or a 101 immediately followed by the error frame
    `too_many_connections` and a close frame with 1008. Once the idle connections are closed, an upgrade from the
    address succeeds again (retried for up to 10 s: the server notices the closes asynchronously)."""
    registry = start_registry(limits={"websocket.maxConnectionsPerIP": "3", "websocket.handshakeTimeout": "30s",
                                      "websocket.connectsPerMinutePerUser": "1000"})
    device, token, _ = announce_device(registry)
    path = signaling_path(device)
    idle = [connect_tcp(registry.ws_port, CLIENT_IP) for _ in range(3)]
    try:
        outcome, detail = upgrade_outcome(registry.ws_port, path, token, CLIENT_IP)
        if outcome == "usable":
            detail.close()
            raise AssertionError("a 4th connection from an address with 3 idle connections was upgraded to a working "
                                 "socket (maxConnectionsPerIP 3)")
        if outcome == "http":
            assert 400 <= detail.status <= 599, f"the 4th connection got {detail}"
        if outcome == "refused":
            codes = [frame.json().get("code") if frame.opcode == OP_TEXT else frame for frame in detail.before]
            assert codes == ["too_many_connections"], f"upgraded, then {detail.before} before the close"
            assert detail.code == POLICY_VIOLATION, f"close code {detail.code} ({detail.reason!r}), expected 1008"
    finally:
        for sock in idle:
            sock.close()

    deadline = time.monotonic() + 10
    outcomes = []
    while True:
        outcome, detail = upgrade_outcome(registry.ws_port, path, token, CLIENT_IP)
        if outcome == "usable":
            break
        outcomes.append((outcome, str(detail)[:200]))
        assert time.monotonic() < deadline, f"still refused 10 s after the idle connections closed: {outcomes[-3:]}"
        time.sleep(0.2)
    with detail as ws:
        ws.sync()


# -- plain HTTP on the signaling port


def test_plain_get_on_the_signaling_path_gets_426(registry):
    """A GET on the signaling path without Upgrade headers is answered `426` with a JSON body that has "error"."""
    response = http_exchange(registry.ws_port, b"GET /signaling/peer_plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert response.status == 426, str(response)
    body = response.json()
    assert isinstance(body, dict) and "error" in body, body


def test_upgrade_to_an_unknown_path_gets_404(registry):
    """A complete, valid upgrade request (with a valid token) to a path that is no WebSocket route is answered `404`
    with a JSON body."""
    device, token, _ = announce_device(registry)
    request, _ = upgrade_request(f"/nope/{device}", token)
    response = http_exchange(registry.ws_port, request)
    assert response.status == 404, str(response)
    assert isinstance(response.json(), dict), response.body


def test_healthz_on_the_signaling_port(registry):
    """`GET /healthz` on the signaling port answers 200 with JSON {"status": "ok", ...}."""
    response = http_exchange(registry.ws_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert response.status == 200, str(response)
    assert response.json().get("status") == "ok", response.body
