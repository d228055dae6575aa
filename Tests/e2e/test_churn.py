"""Connection churn: twenty thousand signaling sockets opened, upgraded and closed, and the server's memory stays flat.

A leak per connection (a handler, a session, a tracker entry, a closure kept by a reference cycle) is invisible in a
test that opens a few sockets, and a few KiB per connection is lost in the noise of a soak. Here one user's 50 devices
connect and close 20,000 times over (50 workers, each owning one device, so a device never has two sockets at once)
through a minimal asyncio client: the upgrade request with `Authorization: Bearer`, the `101` (its
Sec-WebSocket-Accept checked), a masked close 1000, the server's close frame and its end of the TCP connection.

The server's RSS (/proc/<pid>/status VmRSS) is read after a warm-up of 2,000 cycles (allocator pools and caches
filled) and after the other 18,000, each time once the server reports no open socket; a leak of 1 KiB per connection
would add 18 MiB, the bound is 8 MiB. RSS is also sampled every 2,000 cycles and printed, to locate a growth.

CHURN_CYCLES and CHURN_WORKERS change the run's size (defaults 20000 and 50). The connection limits are the engine's
and the store does not matter here, so this runs on the embedded store only.
"""

from __future__ import annotations

import asyncio
import base64
import os
import statistics
import struct
import time
from collections import Counter

import httpx
import pytest

from helpers import Api, announced, run, uid
from raw_ws import NORMAL_CLOSURE, OP_CLOSE, accept_value, close_payload, encode_frame, upgrade_request

CYCLES = int(os.environ.get("CHURN_CYCLES", "20000"))
WORKERS = int(os.environ.get("CHURN_WORKERS", "50"))
ROUND = 2000                     # cycles between RSS samples; the first round is the warm-up
GROWTH_BOUND_KIB = 8 * 1024      # over the cycles after the warm-up (1 KiB per connection would be 18 MiB)
CYCLE_TIMEOUT = 10               # seconds for one connect + upgrade + close handshake + end of the connection


@pytest.fixture
def embedded_only(backend):
    if backend != "embedded":
        pytest.skip("engine-level bounds; covered on the embedded store")


def server_close_code(data: bytes) -> int | None:
    """The close code of the close frame among the (unmasked) server frames in `data`; fails if there is none."""
    offset = 0
    opcodes = []
    while offset + 2 <= len(data):
        first, second = data[offset], data[offset + 1]
        length, offset = second & 0x7F, offset + 2
        if length == 126:
            length, offset = struct.unpack("!H", data[offset:offset + 2])[0], offset + 2
        elif length == 127:
            length, offset = struct.unpack("!Q", data[offset:offset + 8])[0], offset + 8
        if second & 0x80:
            raise AssertionError("a server frame was masked")
        payload, offset = data[offset:offset + length], offset + length
        opcodes.append(first & 0x0F)
        if first & 0x0F == OP_CLOSE:
            return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    raise AssertionError(f"no close frame before the end of the connection (opcodes {opcodes}, {len(data)} bytes)")


async def cycle(port: int, device: str, token: str) -> None:
    """One connect, upgrade (101), close handshake (1000 both ways) and end of the TCP connection by the server."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        request, key = upgrade_request(f"/signaling/{device}", token)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        if status_line.split(" ")[1:2] != ["101"]:
            raise AssertionError(f"status {status_line!r}")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines if line)}
        if headers.get("sec-websocket-accept") != accept_value(key):
            raise AssertionError(f"bad Sec-WebSocket-Accept {headers.get('sec-websocket-accept')!r}")
        writer.write(encode_frame(OP_CLOSE, close_payload(NORMAL_CLOSURE)))
        code = server_close_code(await reader.read())  # everything until the server ends the connection (EOF)
        if code != NORMAL_CLOSURE:
            raise AssertionError(f"close code {code}")
    finally:
        writer.close()


def rss_median(registry, samples: int = 3) -> int:
    values = []
    for _ in range(samples):
        values.append(registry.rss_kib())
        time.sleep(0.2)
    return int(statistics.median(values))


async def no_open_sockets(registry, timeout: float = 30) -> float:
    """Waits until websocket_connections is 0; returns how long that took."""
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            text = (await client.get(f"{registry.http_url}/metrics", headers=registry.metrics_headers)).text
            open_sockets = next(float(line.split()[-1]) for line in text.splitlines() if line.startswith("websocket_connections "))
            if open_sockets == 0:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(f"{open_sockets:.0f} sockets still open {timeout}s after the churn")
            await asyncio.sleep(0.1)


def test_twenty_thousand_connects_and_disconnects_keep_rss_flat(start_registry, embedded_only):
    assert CYCLES > ROUND and CYCLES % ROUND == 0 and ROUND % WORKERS == 0, (CYCLES, ROUND, WORKERS)
    registry = start_registry(
        limits={"websocket.connectsPerMinutePerUser": "1000000", "websocket.connectsPerMinutePerIP": "1000000",
                "websocket.maxConnectionsPerUser": str(WORKERS * 20), "websocket.maxConnectionsPerIP": str(WORKERS * 20),
                "websocket.maxConnections": "19000"},
        LOG_LEVEL="warning", RATE_LIMIT_MAX_REQUESTS=str(WORKERS * 2))

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        api = Api(registry, f"churn{tag}")
        devices = [f"peer_churn{tag}_{i}" for i in range(WORKERS)]
        for device in devices:
            await announced(api, network, device)
        await api.close()

        failures: Counter[str] = Counter()
        examples: list[str] = []
        done = 0

        async def worker(device: str, count: int) -> None:
            nonlocal done
            for _ in range(count):
                try:
                    await asyncio.wait_for(cycle(registry.ws_port, device, api.token), CYCLE_TIMEOUT)
                except Exception as error:  # counted, not raised: the run reports them all
                    kind = f"{type(error).__name__}: {str(error)[:120]}"
                    failures[kind] += 1
                    if len(examples) < 5:
                        examples.append(f"{device}: {kind}")
                done += 1

        samples: list[tuple[int, int, int]] = []  # (cycles done, RSS KiB, open sockets) every ROUND cycles
        baseline = 0
        churn_seconds = 0.0
        for round_number in range(CYCLES // ROUND):
            started = time.monotonic()
            await asyncio.gather(*(worker(device, ROUND // WORKERS) for device in devices))
            churn_seconds += time.monotonic() - started
            assert registry.is_running(), f"the registry died after {done} cycles:\n{registry.log_tail()}"
            samples.append((done, registry.rss_kib(), int(registry.metric("websocket_connections"))))
            if round_number == 0:
                await no_open_sockets(registry)
                baseline = rss_median(registry)
                measured_from = time.monotonic()
        measured_seconds = time.monotonic() - measured_from
        settle = await no_open_sockets(registry)
        final = rss_median(registry)
        growth = final - baseline
        measured = CYCLES - ROUND
        print(f"\nchurn: {CYCLES} connect+upgrade+close cycles, {WORKERS} workers, {CYCLES / churn_seconds:.0f} cycles/s "
              f"({churn_seconds:.1f}s of churn); RSS baseline after {ROUND} {baseline / 1024:.1f} MiB, final "
              f"{final / 1024:.1f} MiB, growth {growth / 1024:+.2f} MiB over {measured} cycles "
              f"({growth * 1024 / measured:+.1f} bytes/cycle, {measured_seconds:.1f}s); sockets at 0 {settle:.1f}s after the last; "
              f"failures {sum(failures.values())}\n"
              f"RSS every {ROUND} cycles (cycles, MiB, open sockets): "
              f"{[(n, round(kib / 1024, 1), s) for n, kib, s in samples]}")
        assert not failures, f"{sum(failures.values())} of {CYCLES} cycles failed: {dict(failures)}; e.g. {examples}"
        assert done == CYCLES
        assert growth < GROWTH_BOUND_KIB, (f"server RSS grew {growth / 1024:.1f} MiB over {measured} connections "
                                           f"(samples {[(n, kib) for n, kib, _ in samples]})")
        assert httpx.get(f"{registry.http_url}/healthz", timeout=10).status_code == 200

    run(scenario(), timeout=120)
