"""A signaling client that stops reading: a raw WebSocket over a TCP socket with a small receive buffer.

The `websockets` library reads in the background, so it cannot play a receiver that falls behind. Here the
handshake is done by hand, then nothing is read until `read_all()`: the kernel buffers fill and the server sees a
receiver that does not keep up. `read_all()` then reads every frame until the server's close frame (answering
pings and the close), so a test can count exactly what the server had written to the socket.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct


class SlowSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, device: str) -> None:
        self.reader = reader
        self.writer = writer
        self.device = device
        self.close_code: int | None = None
        self.close_reason = ""

    @classmethod
    async def open(cls, host: str, port: int, path: str, token: str, device: str, receive_buffer: int = 16 * 1024,
                   local_address: str | None = None) -> "SlowSocket":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        if local_address:
            sock.bind((local_address, 0))
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        # A small stream limit: asyncio stops reading from the socket once about twice this much is buffered.
        reader, writer = await asyncio.open_connection(sock=sock, limit=receive_buffer)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer, device)

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(header + mask + masked)

    async def send_text(self, text: str) -> None:
        self._send_frame(0x1, text.encode())
        await self.writer.drain()

    async def _frame(self) -> tuple[int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        return first & 0x0F, await self.reader.readexactly(length)

    async def read_all(self, timeout: float = 60) -> list[dict]:
        """Reads every frame until the server closes; returns the text frames, parsed. Sets `close_code`."""
        texts: list[dict] = []

        async def loop() -> None:
            while True:
                try:
                    opcode, payload = await self._frame()
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                if opcode == 0x1:
                    texts.append(json.loads(payload))
                elif opcode == 0x9:  # ping
                    self._send_frame(0xA, payload)
                elif opcode == 0x8:
                    self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    self.close_reason = payload[2:].decode(errors="replace")
                    try:
                        self._send_frame(0x8, payload[:2])
                        await self.writer.drain()
                    except ConnectionError:
                        pass
                    return

        await asyncio.wait_for(loop(), timeout)
        return texts

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except ConnectionError:
            pass
