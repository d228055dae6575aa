"""RFC 6455 strictness of the signaling socket, frame by frame, over raw sockets (raw_ws.py).

Each test upgrades an announced device with a valid token, sends frames a conforming client would not (or, for
the controls, would), and checks the server's answer: for a violation, the close frame's code (opcode 0x8, the
first two payload bytes, big-endian) and then that the server ends the TCP connection; for a merely oversized
message, an error frame and a socket that stays usable. Client frames are masked unless a test says otherwise.

The protocol limit on a message is max(4 x websocket.maxFrameSize, 1 MiB); the size tests start a server with
maxFrameSize 64KiB, so it is 1 MiB. The other tests use the shared server. Nothing here depends on the store
beyond announcing devices, so every test runs on both stores.
"""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from helpers import uid
from raw_ws import (GOING_AWAY, INVALID_PAYLOAD, MESSAGE_TOO_BIG, NORMAL_CLOSURE, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG,
                    OP_TEXT, PROTOCOL_ERROR, RawWebSocket, announce_device, close_payload, encode_frame, signaling_path)

KIB, MIB = 1024, 1024 * 1024
SMALL_FRAMES = {"websocket.maxFrameSize": "64KiB"}  # protocol limit max(4 x 64 KiB, 1 MiB) = 1 MiB


def open_device(registry, **announce) -> tuple[RawWebSocket, str]:
    """Announces a fresh device and upgrades it; returns the socket and the device id."""
    device, token, _ = announce_device(registry, **announce)
    return RawWebSocket.open(registry.ws_port, signaling_path(device), token), device


def open_pair(registry) -> tuple[RawWebSocket, str, RawWebSocket, str]:
    """Two users' devices announced in one network, both connected: (a socket, a id, b socket, b id)."""
    tag = uid()
    network = f"net{tag}"
    a, a_id = open_device(registry, tag=tag, network=network, user=f"alice{tag}")
    try:
        b, b_id = open_device(registry, tag=tag, network=network, user=f"bob{tag}")
    except BaseException:
        a.close()
        raise
    return a, a_id, b, b_id


def assert_closed_with(ws: RawWebSocket, code: int, what: str) -> None:
    """The server sends a close frame with `code` (frames before it are allowed), then ends the TCP connection."""
    result = ws.expect_close_and_end(timeout=10, context=what)
    assert result.code == code, f"{what}: close code {result.code} ({result.reason!r}), expected {code}; frames before: {result.before}"


def assert_relayed(sender: RawWebSocket, sender_id: str, receiver: RawWebSocket, receiver_id: str, data: dict) -> None:
    """A valid signaling message from `sender` arrives at `receiver`, from the sender's device, with `data` (the
    receiver's first frame: nothing refused or relayed in between)."""
    sender.signal("offer", receiver_id, data)
    frame = receiver.next_json(10)
    assert frame.get("fromPeerId") == sender_id and frame.get("data") == data, frame


# -- 1007: invalid UTF-8

INVALID_UTF8 = {
    "garbage": b"\xff\xfe\xfd",
    "bad-continuation-byte": b'{"type":"offer","x":"\xc3\x28"}',
    "surrogate": b'{"type":"offer","x":"\xed\xa0\x80"}',
    "overlong": b'{"type":"offer","x":"\xc0\xaf"}',
    "truncated-at-end": b'{"type":"offer","x":"\xe2\x82',
}


@pytest.mark.parametrize("payload", list(INVALID_UTF8.values()), ids=list(INVALID_UTF8))
def test_invalid_utf8_text_closes_1007(registry, payload):
    """A text message whose payload is not valid UTF-8 (stray bytes, a bad continuation byte, an encoded surrogate,
    an overlong encoding, a sequence cut short) is failed with close code 1007, then the connection ends."""
    ws, _ = open_device(registry)
    with ws:
        ws.send_text(payload)
        assert_closed_with(ws, INVALID_PAYLOAD, f"text frame {payload!r}")


# -- 1002: protocol errors


def test_unmasked_client_frame_closes_1002(registry):
    """A valid JSON text frame sent without the mask bit (clients must mask) is failed with close code 1002."""
    ws, _ = open_device(registry)
    with ws:
        ws.send_text(json.dumps({"type": "offer", "toPeerId": "peer_someone", "data": {}}), masked=False)
        assert_closed_with(ws, PROTOCOL_ERROR, "an unmasked text frame")


def test_continuation_frame_without_a_message_closes_1002(registry):
    """A continuation frame (opcode 0x0) when no fragmented message has been started is failed with close 1002."""
    ws, _ = open_device(registry)
    with ws:
        ws.send_frame(OP_CONTINUATION, b'{"type":"offer"}', fin=True)
        assert_closed_with(ws, PROTOCOL_ERROR, "a continuation frame with no message started")


def test_new_text_frame_inside_a_fragmented_message_closes_1002(registry):
    """A text frame (opcode 0x1) while a fragmented message is still open (its first frame had FIN=0) is failed with
    close code 1002: only continuation and control frames may come before the message ends."""
    ws, _ = open_device(registry)
    with ws:
        ws.send_frame(OP_TEXT, b'{"type":"off', fin=False)
        ws.send_text(json.dumps({"type": "offer", "toPeerId": "peer_someone", "data": {}}))
        assert_closed_with(ws, PROTOCOL_ERROR, "a new text frame inside a fragmented message")


# -- 1009 and message_too_large: sizes


def test_fragmented_message_over_the_protocol_limit_closes_1009(start_registry):
    """With maxFrameSize 64KiB (protocol limit 1 MiB), a text message sent as 256 KiB fragments (a text frame with
    FIN=0, then continuation frames with FIN=0) is failed with close code 1009 once it passes 1 MiB, without waiting
    for its last fragment. The server may close while fragments are still being sent; it must send its close frame
    first."""
    registry = start_registry(limits=SMALL_FRAMES)
    ws, _ = open_device(registry)
    with ws:
        fragment = b"a" * (256 * KIB)
        prefix = b'{"type":"offer","data":"'
        frames = [encode_frame(OP_TEXT, prefix + fragment[len(prefix):], fin=False)]
        frames += [encode_frame(OP_CONTINUATION, fragment, fin=False) for _ in range(4)]  # 1.25 MiB in all, never FIN
        sent = 0
        for frame in frames:
            if not ws.try_send(frame, timeout=10):
                break  # the server closed (or stopped reading): its close frame should be waiting
            sent += 1
        assert_closed_with(ws, MESSAGE_TOO_BIG, f"a fragmented message ({sent} of 5 fragments of 256 KiB written before the "
                                                f"server stopped taking them)")


def test_frame_declaring_a_length_over_the_protocol_limit_closes_1009(start_registry):
    """With maxFrameSize 64KiB (protocol limit 1 MiB), a single unfragmented text frame whose header declares 2 MiB
    is failed with close code 1009 from its header: only 16 KiB of its payload is ever sent."""
    registry = start_registry(limits=SMALL_FRAMES)
    ws, _ = open_device(registry)
    with ws:
        ws.try_send(encode_frame(OP_TEXT, b"a" * (16 * KIB), fin=True, declared_length=2 * MIB))
        assert_closed_with(ws, MESSAGE_TOO_BIG, "a frame declaring 2 MiB")


def test_message_over_max_frame_size_under_the_protocol_limit_gets_an_error_and_the_socket_stays_open(start_registry):
    """With maxFrameSize 64KiB, a ~100 KB valid signaling message (under the 1 MiB protocol limit) is answered with the
    error frame {"code": "message_too_large"}, is not relayed, and the socket stays open: a valid message sent next
    is relayed to the recipient as usual. The same holds for a ~100 KB message sent as two fragments. (Regression
    check of existing behaviour.)"""
    registry = start_registry(limits=SMALL_FRAMES)
    a, a_id, b, b_id = open_pair(registry)
    with a, b:
        big = json.dumps({"type": "offer", "toPeerId": b_id, "data": {"sdp": "x" * 100_000}}).encode()
        a.send_text(big)
        a.expect_error("message_too_large")
        assert_relayed(a, a_id, b, b_id, {"after": "one large frame"})
        half = len(big) // 2
        a.send_frame(OP_TEXT, big[:half], fin=False)
        a.send_frame(OP_CONTINUATION, big[half:], fin=True)
        a.expect_error("message_too_large")
        assert_relayed(a, a_id, b, b_id, {"after": "a large fragmented message"})
        a.sync()


# -- control frames and fragmentation that are allowed


def test_ping_gets_a_pong_with_the_same_payload(registry):
    """A client ping gets a pong (opcode 0xA, FIN set) with the same payload: empty, a few arbitrary bytes, and the
    largest a control frame may carry (125 bytes). The socket stays usable."""
    ws, _ = open_device(registry)
    with ws:
        for payload in (b"", b"ping \x00\xff\x80", os.urandom(125)):
            ws.ping(payload)
        ws.sync()


def test_server_pings_each_socket_and_closes_one_that_stops_answering(start_registry, backend):
    """The server pings every socket each `websocket.pingInterval` (300 ms here): a client that answers keeps
    getting pings and stays open; one that stops answering is closed with 1001 "No answer to ping" within two
    intervals of the last ping it answered. Two sockets share the server, so one ping sweep serves both."""
    server = start_registry(SIGNALING_PING_INTERVAL="300ms")
    answering, _ = open_device(server)
    silent, _ = open_device(server)
    with answering, silent:
        for _ in range(4):  # 4 pings answered: over a second open, past the 600 ms a silent socket lasts at most
            frame = answering.recv_frame(2)
            assert frame.opcode == OP_PING, f"expected a ping, got {frame}"
            answering.send_frame(OP_PONG, frame.payload)
        frame = silent.recv_frame(2)
        assert frame.opcode == OP_PING, f"expected a ping, got {frame}"
        result = silent.expect_close(3, context="a socket that does not answer pings")
        assert result.code == GOING_AWAY and result.reason == "No answer to ping", f"{result.code} {result.reason!r}"
        answering.sync()


def test_client_close_gets_a_close_1000_back(registry):
    """A client close frame with code 1000 is answered with a close frame with code 1000, then the server ends the
    TCP connection."""
    ws, _ = open_device(registry)
    with ws:
        ws.send_frame(OP_CLOSE, close_payload(NORMAL_CLOSURE, "bye"))
        result = ws.expect_close(10, context="after a client close 1000")
        assert result.code == NORMAL_CLOSURE, f"close code {result.code} ({result.reason!r}); frames before: {result.before}"
        ws.wait_end(10)


def test_fragmented_message_with_an_interleaved_ping_is_relayed(registry):
    """Control for the fragmentation tests: a valid signaling message sent as three fragments, with a multi-byte
    character split between two of them and a ping between fragments, is reassembled and relayed intact, and the
    ping gets its pong (RFC 6455 5.4: control frames may be injected in the middle of a fragmented message; UTF-8
    is checked on the whole message, not per fragment)."""
    a, a_id, b, b_id = open_pair(registry)
    with a, b:
        data = {"text": "caf\u00e9 \u2713 fragmented"}
        payload = json.dumps({"type": "offer", "toPeerId": b_id, "data": data}, ensure_ascii=False).encode()
        split = payload.index("\u00e9".encode()) + 1  # between the two bytes of the é
        a.send_frame(OP_TEXT, payload[:split], fin=False)
        a.send_frame(OP_PING, b"between fragments")
        a.send_frame(OP_CONTINUATION, payload[split:split + 5], fin=False)
        a.send_frame(OP_CONTINUATION, payload[split + 5:], fin=True)
        pong = a.next_frame(10)
        assert pong.opcode == OP_PONG and pong.payload == b"between fragments", pong
        frame = b.next_json(10)
        assert frame.get("fromPeerId") == a_id and frame.get("data") == data, frame
        a.sync()


def test_frames_split_across_writes_and_packed_into_one_are_each_read_whole(start_registry):
    """The server reads frames off the byte stream itself: a frame whose header, length, masking key and payload come
    in separate TCP writes (a small one, one with a 16-bit and one with a 64-bit length field; maxFrameSize 256KiB
    lets the last one through) is read whole, and several frames packed into one write, a ping behind them, are read
    one by one, in order."""
    a, a_id, b, b_id = open_pair(start_registry(limits={"websocket.maxFrameSize": "256KiB"}))
    with a, b:
        a.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sizes = [10, 300, 70 * KIB]  # 7-bit, 16-bit and 64-bit length fields
        frames = []
        for n, size in enumerate(sizes):
            payload = json.dumps({"type": "offer", "toPeerId": b_id, "data": {"n": n, "pad": "x" * size}}).encode()
            frames.append(encode_frame(OP_TEXT, payload))
        cuts = [0, 1, 2, 3, 5, 9, 14, 40, None]  # inside the first byte pair, the length, the key and the payload
        for frame in frames:
            for start, end in zip(cuts, cuts[1:]):
                piece = frame[start:end]
                if piece:
                    a.sock.sendall(piece)
                    time.sleep(0.02)  # each piece its own read on the server
        for n, size in enumerate(sizes):
            frame = b.next_json(10)
            assert frame.get("fromPeerId") == a_id and frame["data"]["n"] == n and len(frame["data"]["pad"]) == size, frame
        packed = b"".join(
            encode_frame(OP_TEXT, json.dumps({"type": "offer", "toPeerId": b_id, "data": {"n": n}}).encode()) for n in range(5)
        )
        a.sock.sendall(packed + encode_frame(OP_PING, b"after five"))
        assert [b.next_json(10)["data"]["n"] for _ in range(5)] == list(range(5))
        pong = a.next_frame(10)
        assert pong.opcode == OP_PONG and pong.payload == b"after five", pong
        a.sync()
