"""Clients of the end-to-end suite: HTTP (httpx), the signaling WebSocket (websockets) and WebRTC peers (aiortc)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


def uid() -> str:
    return uuid.uuid4().hex[:10]


def run(coro: Awaitable, timeout: float = 60) -> Any:
    """Runs one scenario on a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def limit_ice_to_loopback() -> None:
    """No STUN server is reachable here: aioice gathers host candidates on 127.0.0.1 only (it skips loopback by default)."""
    import aioice.ice

    def loopback_only(use_ipv4: bool = True, use_ipv6: bool = True) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    aioice.ice.get_host_addresses = loopback_only


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 15, interval: float = 0.1, what: str = "condition") -> Any:
    """Polls `check` until it returns a truthy value; fails with the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        await asyncio.sleep(interval)


# -- HTTP


@dataclass
class Api:
    """The HTTP API as one user (one token)."""

    registry: Any
    user: str
    networks: list[str] | None = None
    token: str = ""

    def __post_init__(self) -> None:
        self.token = self.token or self.registry.token(self.user, self.networks)
        self.client = httpx.AsyncClient(base_url=self.registry.http_url, timeout=20,
                                        headers={"Authorization": f"Bearer {self.token}"})

    async def close(self) -> None:
        await self.client.aclose()

    async def announce(self, network: str, device: str, capabilities: list[str] | None = None,
                       signal_address: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"peerId": device, "signalAddress": signal_address or self.registry.ws_url(device)}
        if capabilities is not None:
            body["capabilities"] = capabilities
        return await self.client.post(f"/network/{network}/announce", json=body)

    async def peers(self, network: str) -> list[dict]:
        response = await self.client.get(f"/network/{network}/peers")
        assert response.status_code == 200, response.text
        return response.json()["peers"]

    async def peer(self, network: str, user: str) -> httpx.Response:
        return await self.client.get(f"/network/{network}/peer/{user}")

    async def drain(self, device: str) -> httpx.Response:
        return await self.client.get(f"/signaling/messages/{device}")

    async def ice_servers(self, network: str) -> dict:
        """GET /network/:networkId/ice-servers: `{"iceServers": [...], "ttl": seconds}`."""
        response = await self.client.get(f"/network/{network}/ice-servers")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        return response.json()


async def announced(api: Api, network: str, device: str, capabilities: list[str] | None = None) -> None:
    response = await api.announce(network, device, capabilities)
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}


# -- signaling WebSocket


class Signaling:
    """One device's signaling socket. Received frames are queued; `expect` waits for one."""

    def __init__(self, socket: ClientConnection, device: str) -> None:
        self.socket = socket
        self.device = device
        self.frames: asyncio.Queue[dict] = asyncio.Queue()
        self.closed: asyncio.Future = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, registry: Any, device: str, token: str, via_query: bool = False) -> "Signaling":
        return cls(await open_socket(registry, device, token, via_query), device)

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                self.frames.put_nowait(json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result(self.socket.close_code)

    async def send(self, frame: Any) -> None:
        await self.socket.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    async def signal(self, kind: str, to: str, data: Any) -> None:
        await self.send({"type": kind, "toPeerId": to, "data": data})

    async def next(self, timeout: float = 10) -> dict:
        return await asyncio.wait_for(self.frames.get(), timeout)

    async def expect_error(self, code: str, timeout: float = 10) -> dict:
        frame = await self.next(timeout)
        assert frame.get("code") == code, f"expected error {code}, got {frame}"
        assert isinstance(frame.get("error"), str) and frame["error"]
        return frame

    async def sync(self, timeout: float = 10) -> None:
        """Waits until the server has handled every frame sent so far, and asserts none of them was refused.

        Frames of one socket are handled in order, so the error answering a bad frame sent now comes after
        the outcome of all the earlier ones (one invalid frame; the socket closes only after ten a minute).
        """
        await self.send("sync: not json")
        frame = await self.next(timeout)
        assert frame.get("code") == "invalid_json", f"{self.device}: a frame before the sync was refused: {frame}"

    async def quiet(self, seconds: float = 0.5) -> None:
        """Asserts nothing arrives for `seconds`."""
        try:
            frame = await asyncio.wait_for(self.frames.get(), seconds)
        except asyncio.TimeoutError:
            return
        raise AssertionError(f"{self.device} received an unexpected frame: {frame}")

    async def wait_closed(self, timeout: float = 10) -> int | None:
        return await asyncio.wait_for(asyncio.shield(self.closed), timeout)

    async def close(self) -> None:
        await self.socket.close()
        self._reader.cancel()


async def open_socket(registry: Any, device: str, token: str | None, via_query: bool = False) -> ClientConnection:
    url = registry.ws_url(device)
    headers = {}
    if token and via_query:
        url += f"?token={token}"
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    return await connect(url, additional_headers=headers, max_size=4 * 1024 * 1024, open_timeout=10)


async def close_code_of(registry: Any, device: str, token: str | None, via_query: bool = False, timeout: float = 10) -> int | None:
    """Connects and returns the close code the server ends the socket with."""
    socket = await open_socket(registry, device, token, via_query)
    try:
        await asyncio.wait_for(socket.recv(), timeout)
    except ConnectionClosed:
        pass
    else:
        raise AssertionError("the server sent a frame instead of closing")
    finally:
        await socket.close()
    return socket.close_code


# -- WebRTC


def split_candidates(sdp: str) -> tuple[str, list[dict]]:
    """Removes the ICE candidates from an SDP and returns them as trickle candidates (RTCIceCandidateInit)."""
    lines = sdp.splitlines()
    kept: list[str] = []
    candidates: list[dict] = []
    mline = -1
    mid: str | None = None
    pending: list[str] = []
    for line in lines:
        if line.startswith("m="):
            candidates += [{"candidate": c, "sdpMid": mid, "sdpMLineIndex": mline} for c in pending]
            pending, mline, mid = [], mline + 1, None
        if line.startswith("a=mid:"):
            mid = line[len("a=mid:"):]
        if line.startswith("a=candidate:"):
            pending.append(line[2:])
            continue
        if line == "a=end-of-candidates":
            continue
        kept.append(line)
    candidates += [{"candidate": c, "sdpMid": mid, "sdpMLineIndex": mline} for c in pending]
    return "\r\n".join(kept) + "\r\n", candidates


@dataclass
class Peer:
    """A WebRTC peer whose offer, answer and ICE candidates travel only through the registry."""

    name: str
    device: str
    api: Api
    signaling: Signaling | None = None
    received: asyncio.Queue = field(default_factory=asyncio.Queue)
    relayed: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        from aiortc import RTCConfiguration, RTCPeerConnection

        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.channel = None
        self.channel_open: asyncio.Future = asyncio.get_running_loop().create_future()

        @self.pc.on("datachannel")
        def on_datachannel(channel):
            self._adopt(channel)

    def _adopt(self, channel) -> None:
        self.channel = channel

        @channel.on("message")
        def on_message(message):
            self.received.put_nowait(message)

        def opened():
            if not self.channel_open.done():
                self.channel_open.set_result(channel)

        if channel.readyState == "open":
            opened()
        else:
            channel.on("open", opened)

    async def connect_signaling(self) -> None:
        self.signaling = await Signaling.open(self.api.registry, self.device, self.api.token)

    async def _send_description(self, to: str, send: Callable[[str, str, Any], Awaitable[None]]) -> None:
        description = self.pc.localDescription
        sdp, candidates = split_candidates(description.sdp)
        assert candidates, "aioice gathered no candidate on 127.0.0.1"
        await send(description.type, to, {"type": description.type, "sdp": sdp})
        for candidate in candidates:
            await send("ice-candidate", to, candidate)
        # End of candidates, as browsers send it (an empty candidate).
        await send("ice-candidate", to, {"candidate": "", "sdpMid": candidates[0]["sdpMid"],
                                         "sdpMLineIndex": candidates[0]["sdpMLineIndex"]})

    async def offer(self, to: str) -> None:
        self._adopt(self.pc.createDataChannel("chat"))
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self._send_description(to, self.signaling.signal)

    async def handle(self, message: dict, reply: Callable[[str, str, Any], Awaitable[None]] | None = None) -> None:
        """Applies one relayed message (a live frame or a drained message)."""
        from aiortc import RTCSessionDescription
        from aiortc.sdp import candidate_from_sdp

        self.relayed.append(message)
        kind, data = message["type"], message["data"]
        sender = message.get("fromPeerId") or message.get("from")
        if kind in ("offer", "answer"):
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type=data["type"]))
            if kind == "offer":
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self._send_description(sender, reply or self.signaling.signal)
        elif kind == "ice-candidate":
            if not data.get("candidate"):
                await self.pc.addIceCandidate(None)
                return
            candidate = candidate_from_sdp(data["candidate"].split(":", 1)[1])
            candidate.sdpMid = data.get("sdpMid")
            candidate.sdpMLineIndex = data.get("sdpMLineIndex")
            await self.pc.addIceCandidate(candidate)

    async def serve_signaling(self) -> None:
        """Applies every live frame until cancelled."""
        while True:
            frame = await self.signaling.frames.get()
            assert "error" not in frame, f"{self.name} got an error frame: {frame}"
            await self.handle(frame)

    async def close(self) -> None:
        await self.pc.close()
        if self.signaling:
            await self.signaling.close()
        await self.api.close()
