"""Raw HTTP/1.1 and WebSocket (RFC 6455) over a blocking stdlib socket, for the tests of the signaling listener's
handshake bounds (test_handshake.py) and framing strictness (test_rfc6455.py).

The `websockets` library refuses to send what these tests need to send (unmasked frames, invalid UTF-8, stray
continuation frames, frames that lie about their length) and hides what they need to see (the exact status line
of a refused upgrade, the close frame's code before the TCP connection ends). So here everything is done by hand:
`RawWebSocket.open` writes the upgrade request and checks the `101`, `send_frame` builds any frame, `next_frame`
reads one (answering the server's pings), `expect_close` reads until the server's close frame and returns its code,
and `wait_closed` waits, with a deadline, for the server to end the TCP connection.

Every read has a deadline: a test never hangs on a server that does not answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from helpers import Api, announced, run, uid

HOST = "127.0.0.1"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

NORMAL_CLOSURE = 1000
GOING_AWAY = 1001
PROTOCOL_ERROR = 1002
INVALID_PAYLOAD = 1007
POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009

# The errors a write or read raises when the server has closed (or reset) the connection.
CONNECTION_ENDED = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class ServerClosed(Exception):
    """The server ended the TCP connection (EOF, or a reset when `reset`) while a read expected more."""

    def __init__(self, reset: bool) -> None:
        super().__init__("connection reset by the server" if reset else "connection closed by the server (EOF)")
        self.reset = reset


# -- devices and tokens


def announce_device(registry: Any, tag: str | None = None, network: str | None = None, user: str | None = None) -> tuple[str, str, str]:
    """Announces a fresh device of a fresh user (helpers.Api, helpers.announced) and returns (device, token, network)."""
    tag = tag or uid()
    network = network or f"net{tag}"
    user = user or f"user{tag}"
    device = f"peer_{user}_{tag}"

    async def go() -> str:
        api = Api(registry, user)
        try:
            await announced(api, network, device)
        finally:
            await api.close()
        return api.token

    return device, run(go(), timeout=30), network


def signaling_path(device: str) -> str:
    return f"/signaling/{device}"


# -- TCP and HTTP


def connect_tcp(port: int, local_address: str | None = None, timeout: float = 10) -> socket.socket:
    """A blocking TCP connection to 127.0.0.1:`port` (from `local_address`, any of 127/8, when given)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    if local_address:
        sock.bind((local_address, 0))
    sock.connect((HOST, port))
    return sock


def upgrade_request(path: str, token: str | None = None, key: str | None = None, host: str = "127.0.0.1",
                    extra_headers: list[tuple[str, str]] | None = None) -> tuple[bytes, str]:
    """A complete WebSocket upgrade request head and its Sec-WebSocket-Key."""
    key = key or base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines += [f"{name}: {value}" for name, value in extra_headers or []]
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), key


def accept_value(key: str) -> str:
    """The Sec-WebSocket-Accept a server must answer `key` with (RFC 6455 section 4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def send_tolerating_close(sock: socket.socket, data: bytes, timeout: float = 10) -> bool:
    """Sends `data`; False (instead of raising) when the server closed, reset, or stopped reading for `timeout` s."""
    previous = sock.gettimeout()
    sock.settimeout(timeout)
    try:
        sock.sendall(data)
        return True
    except CONNECTION_ENDED:
        return False
    except socket.timeout:
        return False
    finally:
        sock.settimeout(previous)


@dataclass
class HttpResponse:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    head: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def __str__(self) -> str:
        return (self.head + self.body[:300]).decode(errors="replace")


class Reader:
    """Buffered reads from a socket, each bounded by a deadline."""

    def __init__(self, sock: socket.socket, buffered: bytes = b"") -> None:
        self.sock = sock
        self.buffer = bytearray(buffered)

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except CONNECTION_ENDED:
            raise ServerClosed(reset=True) from None
        if not chunk:
            raise ServerClosed(reset=False)
        self.buffer += chunk

    def exactly(self, count: int, deadline: float) -> bytes:
        while len(self.buffer) < count:
            self._fill(deadline)
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def until(self, marker: bytes, deadline: float, limit: int = 1 << 20) -> bytes:
        """Up to and including `marker`."""
        while (end := self.buffer.find(marker)) < 0:
            if len(self.buffer) > limit:
                raise AssertionError(f"no {marker!r} in the first {limit} bytes: {bytes(self.buffer[:200])!r}")
            self._fill(deadline)
        end += len(marker)
        data = bytes(self.buffer[:end])
        del self.buffer[:end]
        return data

    def rest(self, deadline: float) -> bytes:
        """Everything until the server closes (or the deadline passes)."""
        try:
            while True:
                self._fill(deadline)
        except (ServerClosed, socket.timeout):
            pass
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def read_http_response(reader: Reader, timeout: float = 10) -> HttpResponse:
    """One response: the head, then the body by Content-Length, chunked encoding, or (neither) until the server closes.
    A `101` has no body: what follows it stays in `reader` (the first WebSocket frames)."""
    deadline = time.monotonic() + timeout
    head = reader.until(b"\r\n\r\n", deadline)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, status, *reason = status_line.split(" ", 2)
    assert version.startswith("HTTP/1."), f"not an HTTP response: {head[:200]!r}"
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    code = int(status)
    if code == 101 or code == 204 or code == 304:
        body = b""
    elif "content-length" in headers:
        body = reader.exactly(int(headers["content-length"]), deadline)
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size = int(reader.until(b"\r\n", deadline).split(b";")[0].strip(), 16)
            chunk = reader.exactly(size + 2, deadline)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = reader.rest(deadline)
    return HttpResponse(code, reason[0] if reason else "", headers, body, head)


def http_exchange(port: int, request: bytes, timeout: float = 10, local_address: str | None = None) -> HttpResponse:
    """Sends one raw request on a new connection and reads the response."""
    with connect_tcp(port, local_address, timeout) as sock:
        send_tolerating_close(sock, request, timeout)
        try:
            return read_http_response(Reader(sock), timeout)
        except ServerClosed as closed:
            raise AssertionError(f"{request.splitlines()[0]!r}: {closed} without a response") from None
        except socket.timeout:
            raise AssertionError(f"{request.splitlines()[0]!r}: no complete response within {timeout}s") from None


def wait_closed(sock: socket.socket, timeout: float, buffered: bytes = b"", context: str = "") -> tuple[float, bytes, bool]:
    """Reads until the server ends the connection; returns (seconds waited, bytes received meanwhile, was_reset).
    Fails (the message prefixed with `context`) if the connection is still open after `timeout` seconds."""
    started = time.monotonic()
    deadline = started + timeout
    received = bytearray(buffered)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{context + ': ' if context else ''}the server did not close the connection within {timeout}s "
                                 f"(received meanwhile: {bytes(received[:200])!r})")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except CONNECTION_ENDED:
            return time.monotonic() - started, bytes(received), True
        except socket.timeout:
            continue
        if not chunk:
            return time.monotonic() - started, bytes(received), False
        received += chunk


# -- WebSocket frames


def mask_payload(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte masking key (one big-integer XOR: fast enough for megabytes)."""
    if not payload:
        return b""
    length = len(payload)
    repeated = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")


def encode_frame(opcode: int, payload: bytes = b"", fin: bool = True, masked: bool = True,
                 declared_length: int | None = None) -> bytes:
    """One frame. `masked=False` sends it unmasked (a client must not); `declared_length` writes another length
    into the header than the payload's (a frame that announces more than is sent)."""
    length = len(payload) if declared_length is None else declared_length
    first = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if masked else 0
    if length < 126:
        header = bytes([first, mask_bit | length])
    elif length < 65536:
        header = bytes([first, mask_bit | 126]) + struct.pack("!H", length)
    else:
        header = bytes([first, mask_bit | 127]) + struct.pack("!Q", length)
    if not masked:
        return header + payload
    key = os.urandom(4)
    return header + key + mask_payload(payload, key)


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode()


@dataclass
class Frame:
    fin: bool
    opcode: int
    payload: bytes
    masked: bool = False

    @property
    def close_code(self) -> int | None:
        """The close frame's status code (None for a close frame without one)."""
        assert self.opcode == OP_CLOSE, self
        return struct.unpack("!H", self.payload[:2])[0] if len(self.payload) >= 2 else None

    def json(self) -> Any:
        assert self.opcode == OP_TEXT, f"expected a text frame, got {self}"
        return json.loads(self.payload)

    def __repr__(self) -> str:
        return f"Frame(fin={self.fin}, opcode={self.opcode:#x}, payload={self.payload[:120]!r}{'…' if len(self.payload) > 120 else ''})"


@dataclass
class CloseResult:
    """What `expect_close` saw: the close frame's code and reason and the frames that came before it."""

    code: int | None
    reason: str
    before: list[Frame] = field(default_factory=list)


class RawWebSocket:
    """A client end of an upgraded signaling socket. Frames it sends are masked unless told otherwise."""

    def __init__(self, sock: socket.socket, reader: Reader, response: HttpResponse) -> None:
        self.sock = sock
        self.reader = reader
        self.response = response

    # -- opening

    @classmethod
    def open(cls, port: int, path: str, token: str | None, local_address: str | None = None,
             extra_headers: list[tuple[str, str]] | None = None, timeout: float = 10) -> "RawWebSocket":
        """Connects and upgrades; fails unless the answer is a valid `101` (with the right Sec-WebSocket-Accept)."""
        sock = connect_tcp(port, local_address, timeout)
        try:
            request, key = upgrade_request(path, token, extra_headers=extra_headers)
            sock.sendall(request)
            reader = Reader(sock)
            response = read_http_response(reader, timeout)
            assert response.status == 101, f"upgrade refused: {response}"
            assert response.headers.get("upgrade", "").lower() == "websocket", response
            assert response.headers.get("sec-websocket-accept") == accept_value(key), response
        except BaseException:
            sock.close()
            raise
        return cls(sock, reader, response)

    # -- sending

    def send_frame(self, opcode: int, payload: bytes = b"", fin: bool = True, masked: bool = True,
                   declared_length: int | None = None) -> None:
        self.sock.settimeout(10)
        self.sock.sendall(encode_frame(opcode, payload, fin, masked, declared_length))

    def send_text(self, text: str | bytes, fin: bool = True, masked: bool = True) -> None:
        self.send_frame(OP_TEXT, text.encode() if isinstance(text, str) else text, fin, masked)

    def send_json(self, value: Any) -> None:
        self.send_text(json.dumps(value))

    def signal(self, kind: str, to: str, data: Any) -> None:
        self.send_json({"type": kind, "toPeerId": to, "data": data})

    def try_send(self, data: bytes, timeout: float = 10) -> bool:
        """Sends raw bytes; False when the server closed, reset, or stopped reading (see send_tolerating_close)."""
        return send_tolerating_close(self.sock, data, timeout)

    # -- receiving

    def recv_frame(self, timeout: float = 10) -> Frame:
        """The next frame, whatever it is. Raises ServerClosed when the connection ends first."""
        deadline = time.monotonic() + timeout
        try:
            first, second = self.reader.exactly(2, deadline)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self.reader.exactly(2, deadline))[0]
            elif length == 127:
                length = struct.unpack("!Q", self.reader.exactly(8, deadline))[0]
            key = self.reader.exactly(4, deadline) if second & 0x80 else None
            payload = self.reader.exactly(length, deadline)
        except socket.timeout:
            raise AssertionError(f"no frame from the server within {timeout:.1f}s") from None
        if key:
            payload = mask_payload(payload, key)
        return Frame(bool(first & 0x80), first & 0x0F, payload, key is not None)

    def next_frame(self, timeout: float = 10) -> Frame:
        """The next frame other than a server ping (pings are answered with a pong, as a client must)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no frame from the server within {timeout:.1f}s")
            frame = self.recv_frame(remaining)
            if frame.opcode != OP_PING:
                return frame
            self.try_send(encode_frame(OP_PONG, frame.payload))

    def next_json(self, timeout: float = 10) -> Any:
        frame = self.next_frame(timeout)
        assert frame.opcode == OP_TEXT, f"expected a text frame, got {frame}"
        return frame.json()

    def expect_error(self, code: str, timeout: float = 10) -> dict:
        """The next frame is the error frame `{"error": "…", "code": code}`."""
        frame = self.next_json(timeout)
        assert frame.get("code") == code, f"expected error {code}, got {frame}"
        assert isinstance(frame.get("error"), str) and frame["error"], frame
        return frame

    def ping(self, payload: bytes | None = None, timeout: float = 10) -> None:
        """Sends a ping and asserts the next frame (other than a server ping) is a pong with the same payload."""
        payload = os.urandom(8) if payload is None else payload
        self.send_frame(OP_PING, payload)
        frame = self.next_frame(timeout)
        assert frame.opcode == OP_PONG, f"expected a pong, got {frame}"
        assert frame.payload == payload, f"pong payload {frame.payload!r} != ping payload {payload!r}"
        assert frame.fin, frame

    def sync(self, timeout: float = 10) -> None:
        """Asserts the socket is usable and every earlier frame was handled without an error frame: an invalid
        JSON frame is answered `invalid_json` after the outcome of everything sent before it (helpers.Signaling.sync)."""
        self.send_text("sync: not json")
        frame = self.next_json(timeout)
        assert frame.get("code") == "invalid_json", f"a frame before the sync was refused: {frame}"

    def expect_close(self, timeout: float = 10, context: str = "") -> CloseResult:
        """Reads until the server's close frame and returns its code; fails with a clear message (prefixed with
        `context`) if the server ends the TCP connection (or resets it) without a close frame, or sends none within
        `timeout`."""
        prefix = f"{context}: " if context else ""
        deadline = time.monotonic() + timeout
        before: list[Frame] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{prefix}no close frame within {timeout}s; frames before: {before}")
            try:
                frame = self.next_frame(remaining)
            except AssertionError as timeout_error:
                raise AssertionError(f"{prefix}{timeout_error}; frames before: {before}") from None
            except ServerClosed as closed:
                raise AssertionError(f"{prefix}the server ended the TCP connection ({closed}) without sending a close frame; "
                                     f"frames before: {before}") from None
            if frame.opcode == OP_CLOSE:
                assert not frame.masked, "a server must not mask its frames"
                code = frame.close_code
                reason = frame.payload[2:].decode("utf-8", errors="replace")
                return CloseResult(code, reason, before)
            before.append(frame)

    def expect_close_and_end(self, timeout: float = 10, context: str = "") -> CloseResult:
        """`expect_close`, then answer the close frame (as a client does; ignored if the server already left), then
        assert the server ends the TCP connection within `timeout`."""
        result = self.expect_close(timeout, context)
        if result.code is not None:
            self.try_send(encode_frame(OP_CLOSE, close_payload(result.code)), timeout=2)
        self.wait_end(timeout)
        return result

    def wait_end(self, timeout: float = 10) -> None:
        """Asserts the server ends the TCP connection within `timeout` (whatever it still sends before is ignored)."""
        wait_closed(self.sock, timeout, bytes(self.reader.buffer))
        self.reader.buffer.clear()

    def close(self) -> None:
        """Ends the connection from this side, politely when possible (a close 1000, then the TCP close)."""
        if self.sock.fileno() == -1:
            return
        try:
            self.try_send(encode_frame(OP_CLOSE, close_payload(NORMAL_CLOSURE)), timeout=1)
        finally:
            self.sock.close()

    def __enter__(self) -> "RawWebSocket":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
