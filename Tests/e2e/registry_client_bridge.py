"""`registry-demo bridge`: the Swift RegistryClient as a subprocess speaking JSON lines, so that Python tests (aiortc
peers) do every request and signaling frame through the Swift client library.

The binary comes from `swift build` (debug, built with the tests: `scripts/test.sh` builds it before this suite) or a
release build; `REGISTRY_DEMO_BINARY=…` picks another.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [ROOT / ".build" / "debug" / "registry-demo", ROOT / ".build" / "release" / "registry-demo"]


def demo_binary() -> Path:
    override = os.environ.get("REGISTRY_DEMO_BINARY")
    if override:
        return Path(override)
    for candidate in CANDIDATES:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise AssertionError(f"no registry-demo binary at {[str(c) for c in CANDIDATES]}; run `swift build --product registry-demo`")


class BridgeSignaling:
    """One device through `registry-demo bridge`: the same interface as helpers.Signaling (`signal`, `frames`)."""

    def __init__(self, process: asyncio.subprocess.Process, device: str) -> None:
        self.process = process
        self.device = device
        self.frames: asyncio.Queue[dict] = asyncio.Queue()
        self.replies: asyncio.Queue[dict] = asyncio.Queue()
        self.states: list[str] = []
        self.connected = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, registry: Any, network: str, device: str, token: str, capabilities: list[str] | None = None) -> "BridgeSignaling":
        args = [str(demo_binary()), "bridge", "--api", registry.http_url, "--signaling", f"ws://127.0.0.1:{registry.ws_port}",
                "--network", network, "--device", device, "--token", token]
        for capability in capabilities or []:
            args += ["--capability", capability]
        process = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        bridge = cls(process, device)
        announced = await bridge.reply()
        assert announced == {"event": "announced"}, announced
        await asyncio.wait_for(bridge.connected.wait(), 20)
        return bridge

    async def _read(self) -> None:
        while line := await self.process.stdout.readline():
            event = json.loads(line)
            if event["event"] == "frame":
                self.frames.put_nowait(event["frame"])
            elif event["event"] == "state":
                self.states.append(event["state"])
                if event["state"] == "connected":
                    self.connected.set()
            else:
                self.replies.put_nowait(event)

    async def command(self, **command: Any) -> dict:
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        return await self.reply()

    async def reply(self, timeout: float = 20) -> dict:
        return await asyncio.wait_for(self.replies.get(), timeout)

    async def signal(self, kind: str, to: str, data: Any) -> None:
        reply = await self.command(op="send", type=kind, to=to, data=data)
        assert reply == {"event": "sent"}, reply

    async def peers(self) -> list[dict]:
        reply = await self.command(op="peers")
        assert reply["event"] == "peers", reply
        return reply["peers"]

    async def drain(self) -> list[dict]:
        reply = await self.command(op="drain")
        assert reply["event"] == "drained", reply
        return reply["messages"]

    async def close(self) -> None:
        if self.process.returncode is None:
            try:
                reply = await self.command(op="close")
                assert reply == {"event": "closed"}, reply
                await asyncio.wait_for(self.process.wait(), 20)
            finally:
                if self.process.returncode is None:
                    self.process.kill()
                    await self.process.wait()
        self._reader.cancel()
