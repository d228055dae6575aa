"""Resource bounds under abuse (issue 14): back-pressure for receivers that stop reading, connection and rate
limits per user and per IP, invalid-token throttling, global caps, HTTP timeouts, and a mixed soak.

Each test runs a dedicated server with small limits (limits.yaml overrides) and checks that the limit holds, that
the abuser gets the right close code or status, and that a well-behaved client beside it is unaffected. Clients
from "another IP" bind 127.0.0.2 or 127.0.0.3 (the whole 127/8 is loopback on Linux). These bounds live in the
engine and do not depend on the store, so they run on the embedded store only.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from helpers import Api, Signaling, announced, eventually, run, uid
from slow_socket import SlowSocket

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
OTHER_IP = "127.0.0.2"

# Limits that never get in the way of a test that is about another one.
GENEROUS = {
    "websocket.messagesPerSecondPerUser": "100000",
    "websocket.messagesPerSecondPerIP": "100000",
    "websocket.bytesPerSecondPerUser": "1GiB",
    "websocket.bytesPerSecondPerIP": "1GiB",
}
FAST_SOCKET_ENV = {"SIGNALING_MESSAGES_PER_SECOND": "100000", "SIGNALING_MESSAGE_BURST": "100000", "SIGNALING_PING_INTERVAL": "300s"}


@pytest.fixture
def embedded_only(backend):
    if backend != "embedded":
        pytest.skip("engine-level bounds; covered on the embedded store")


async def open_from(registry, device: str, token: str | None, local_address: str | None = None) -> Signaling:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = {"local_addr": (local_address, 0)} if local_address else {}
    socket_ = await connect(registry.ws_url(device), additional_headers=headers, max_size=4 * 1024 * 1024, open_timeout=10, **kwargs)
    return Signaling(socket_, device)


async def refused(registry, device: str, token: str | None, local_address: str | None = None) -> tuple[list[dict], int | None]:
    """Connects and returns the frames received before the server closed, and the close code."""
    signaling = await open_from(registry, device, token, local_address)
    code = await signaling.wait_closed(15)
    frames = []
    while not signaling.frames.empty():
        frames.append(signaling.frames.get_nowait())
    return frames, code


async def relay_works(sender: Signaling, receiver: Signaling, marker: str) -> None:
    await sender.signal("offer", receiver.device, {"marker": marker})
    frame = await receiver.next(15)
    assert frame.get("data") == {"marker": marker}, frame


async def pair(registry, tag: str, network: str) -> tuple[Api, Api, Signaling, Signaling]:
    """A well-behaved pair of users with one connected device each."""
    alice, bob = Api(registry, f"alice{tag}"), Api(registry, f"bob{tag}")
    a, b = f"peer_alice_{tag}", f"peer_bob_{tag}"
    await announced(alice, network, a)
    await announced(bob, network, b)
    return alice, bob, await Signaling.open(registry, a, alice.token), await Signaling.open(registry, b, bob.token)


# -- back-pressure


def test_slow_consumer_is_bounded_and_loses_nothing(start_registry, embedded_only):
    """A receiver stops reading while a sender pushes 50 MB to it. Server memory stays bounded, the sender and a
    third device are unaffected, the slow socket is closed with 1013, and after the receiver reads what it was sent
    and reconnects, every message arrived exactly once or was dropped by the queue cap (counted in metrics)."""
    registry = start_registry(limits={**GENEROUS, "websocket.slowConsumerCloseTimeout": "120s"},
                              SIGNALING_QUEUE_CAP="20", **FAST_SOCKET_ENV)
    total_bytes = int(os.environ.get("SLOW_CONSUMER_BYTES", str(50 * 1024 * 1024)))
    payload = "x" * (32 * 1024)
    count = total_bytes // len(payload)

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        alice, bob, carol = Api(registry, f"alice{tag}"), Api(registry, f"bob{tag}"), Api(registry, f"carol{tag}")
        a, b, c = f"peer_alice_{tag}", f"peer_bob_{tag}", f"peer_carol_{tag}"
        for api, device in ((alice, a), (bob, b), (carol, c)):
            await announced(api, network, device)
        slow = await SlowSocket.open("127.0.0.1", registry.ws_port, f"/signaling/{b}", bob.token, b)
        c_socket = await Signaling.open(registry, c, carol.token)
        a_socket = await Signaling.open(registry, a, alice.token)
        await a_socket.sync()
        await eventually(lambda: asyncio.sleep(0, registry.metric("websocket_connections") == 3), what="three sockets")
        baseline = registry.rss_kib()
        peak = baseline
        sampling = True

        async def sample():
            nonlocal peak
            while sampling:
                peak = max(peak, registry.rss_kib())
                await asyncio.sleep(0.1)

        sampler = asyncio.create_task(sample())
        started = time.monotonic()
        for n in range(count):
            await a_socket.signal("ice-candidate", b, {"n": n, "pad": payload})
            if n % 50 == 0:
                await a_socket.signal("offer", c, {"n": n})
        await a_socket.sync(timeout=300)  # every frame handled, none refused: the sender was not held back
        send_seconds = time.monotonic() - started
        live_to_c = [await c_socket.next(30) for _ in range(0, count, 50)]
        assert [f["data"]["n"] for f in live_to_c] == list(range(0, count, 50))
        await eventually(lambda: asyncio.sleep(0, registry.metric("signaling_slow_consumer_closes_total") == 1),
                         what="the slow socket closed with 1013")
        sampling = False
        await sampler
        peak = max(peak, registry.rss_kib())
        diverted = registry.metric("signaling_messages_diverted_total")

        # The receiver reads what the server had written before its close frame, then reconnects and drains.
        received = [f["data"]["n"] for f in await slow.read_all(timeout=120) if "data" in f]
        assert slow.close_code == TRY_AGAIN_LATER, (slow.close_code, slow.close_reason)
        await slow.close()
        # Reconnecting delivers the queue; messages that were accepted for the old socket but never written go
        # back to the queue as it closes, so read and drain until every message is accounted for.
        again = await Signaling.open(registry, b, bob.token)
        deadline = time.monotonic() + 30
        while len(received) + registry.metric("signaling_messages_dropped_total") < count and time.monotonic() < deadline:
            try:
                frame = await again.next(1)
                if "data" in frame:
                    received.append(frame["data"]["n"])
            except asyncio.TimeoutError:
                received += [m["data"]["n"] for m in (await bob.drain(b)).json()["messages"]]
        dropped = registry.metric("signaling_messages_dropped_total")

        assert len(received) == len(set(received)), "a message was delivered twice"
        assert set(received) <= set(range(count))
        assert len(received) + dropped == count, (len(received), dropped, count)
        growth_mib = (peak - baseline) / 1024
        print(f"\nslow consumer: {count} messages ({count * len(payload) / 2**20:.0f} MiB) in {send_seconds:.1f}s; "
              f"RSS {baseline / 1024:.1f} MiB before, peak {peak / 1024:.1f} MiB (+{growth_mib:.1f} MiB); "
              f"delivered {len(received)}, diverted {diverted:.0f}, dropped {dropped:.0f}")
        # Bounded: the socket's send buffer (256 KiB), the queue cap (20 x 32 KiB) and in-flight frames, far below
        # the 50 MB pushed at the socket.
        assert growth_mib < 48, f"server RSS grew {growth_mib:.1f} MiB"
        for socket_ in (again, c_socket, a_socket):
            await socket_.close()
        for api in (alice, bob, carol):
            await api.close()

    run(scenario(), timeout=900)


# -- connection limits


def test_sockets_per_user_limit(start_registry, embedded_only):
    registry = start_registry(limits={"websocket.maxConnectionsPerUser": "2"})

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        alice, bob, a_socket, b_socket = await pair(registry, tag, network)
        mallory = Api(registry, f"mallory{tag}")
        devices = [f"peer_mallory_{tag}_{i}" for i in range(3)]
        for device in devices:
            await announced(mallory, network, device)
        held = [await Signaling.open(registry, d, mallory.token) for d in devices[:2]]
        for socket_ in held:
            await socket_.sync()
        frames, code = await refused(registry, devices[2], mallory.token)
        assert code == POLICY_VIOLATION
        assert [f.get("code") for f in frames] == ["too_many_connections"], frames
        await relay_works(a_socket, b_socket, "beside the abuser")
        assert registry.metric("websocket_limit_rejections_total", 'limit="maxConnectionsPerUser"') == 1
        # A closed socket frees its place.
        await held[0].close()
        await eventually(lambda: asyncio.sleep(0, registry.metric("websocket_connections") == 3), what="a socket to close")
        third = await Signaling.open(registry, devices[2], mallory.token)
        await third.sync()
        for socket_ in (third, held[1], a_socket, b_socket):
            await socket_.close()

    run(scenario())


def test_connects_per_minute_per_user_and_per_ip(start_registry, embedded_only):
    registry = start_registry(limits={"websocket.connectsPerMinutePerUser": "3", "websocket.connectsPerMinutePerIP": "8"})

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        mallory = Api(registry, f"mallory{tag}")
        device = f"peer_mallory_{tag}"
        await announced(mallory, network, device)
        for _ in range(3):
            socket_ = await Signaling.open(registry, device, mallory.token)
            await socket_.sync()
            await socket_.close()
        frames, code = await refused(registry, device, mallory.token)
        assert code == POLICY_VIOLATION and [f.get("code") for f in frames] == ["too_many_connects"], (frames, code)
        # Per IP: other users from 127.0.0.2 share its budget of 8 a minute.
        users = [Api(registry, f"u{i}{tag}") for i in range(9)]
        for i, api in enumerate(users):
            await announced(api, network, f"peer_u{i}_{tag}")
        for i, api in enumerate(users[:8]):
            socket_ = await open_from(registry, f"peer_u{i}_{tag}", api.token, OTHER_IP)
            await socket_.sync()
            await socket_.close()
        frames, code = await refused(registry, f"peer_u8_{tag}", users[8].token, OTHER_IP)
        assert code == POLICY_VIOLATION and [f.get("code") for f in frames] == ["too_many_connects"], (frames, code)
        # A well-behaved user from 127.0.0.1 is not affected.
        alice, bob, a_socket, b_socket = await pair(registry, tag, network)
        await relay_works(a_socket, b_socket, "other address")
        for socket_ in (a_socket, b_socket):
            await socket_.close()

    run(scenario())


def test_process_socket_cap_closes_with_1013_and_readyz_reports_degraded(start_registry, embedded_only):
    registry = start_registry(limits={"websocket.maxConnections": "3"})

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        alice, bob, a_socket, b_socket = await pair(registry, tag, network)
        carol = Api(registry, f"carol{tag}")
        await announced(carol, network, f"peer_carol_{tag}")
        await announced(carol, network, f"peer_carol2_{tag}")
        c_socket = await Signaling.open(registry, f"peer_carol_{tag}", carol.token)
        await c_socket.sync()
        ready = httpx.get(f"{registry.http_url}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["status"] == "degraded", ready.text
        frames, code = await refused(registry, f"peer_carol2_{tag}", carol.token)
        assert code == TRY_AGAIN_LATER and [f.get("code") for f in frames] == ["server_full"], (frames, code)
        assert "socket limit reached" in registry.log_tail(200)
        await relay_works(a_socket, b_socket, "at capacity")
        await c_socket.close()
        await eventually(lambda: asyncio.sleep(0, httpx.get(f"{registry.http_url}/readyz", timeout=10).json()["status"] == "ready"),
                         what="/readyz ready again")
        for socket_ in (a_socket, b_socket):
            await socket_.close()

    run(scenario())


# -- rates


def test_messages_per_second_per_user(start_registry, embedded_only):
    registry = start_registry(limits={"websocket.messagesPerSecondPerUser": "5", "websocket.maxRateViolations": "3"})

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        alice, bob, a_socket, b_socket = await pair(registry, tag, network)
        mallory = Api(registry, f"mallory{tag}")
        m = f"peer_mallory_{tag}"
        await announced(mallory, network, m)
        m_socket = await Signaling.open(registry, m, mallory.token)
        for n in range(40):
            try:
                await m_socket.signal("ice-candidate", f"peer_bob_{tag}", {"flood": n})
            except ConnectionClosed:
                break
        assert await m_socket.wait_closed(15) == POLICY_VIOLATION
        codes = []
        while not m_socket.frames.empty():
            codes.append(m_socket.frames.get_nowait().get("code"))
        # Each refused message gets an error frame; the fourth refusal in a row closes the socket.
        assert codes and set(codes) == {"rate_limited"} and codes[-4:] == ["rate_limited"] * 4, codes
        assert registry.metric("websocket_limit_rejections_total", 'limit="maxRateViolations"') == 1
        # Bob got at most the burst (two seconds' worth) from Mallory; Alice, within the same per-user rate, gets
        # every message through.
        for n in range(5):
            await a_socket.signal("offer", f"peer_bob_{tag}", {"alice": n})
            await asyncio.sleep(0.3)
        got = []
        while len([f for f in got if "alice" in f["data"]]) < 5:
            got.append(await b_socket.next(15))
        assert len([f for f in got if "flood" in f["data"]]) <= 15  # the burst, and what the rate refilled meanwhile
        for socket_ in (a_socket, b_socket):
            await socket_.close()

    run(scenario())


def test_bytes_per_second_per_user(start_registry, embedded_only):
    registry = start_registry(limits={"websocket.bytesPerSecondPerUser": "20KiB", "websocket.maxRateViolations": "100"})

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        alice, bob, a_socket, b_socket = await pair(registry, tag, network)
        mallory = Api(registry, f"mallory{tag}")
        m = f"peer_mallory_{tag}"
        await announced(mallory, network, m)
        m_socket = await Signaling.open(registry, m, mallory.token)
        big = "y" * (30 * 1024)
        for n in range(5):
            await m_socket.signal("ice-candidate", f"peer_bob_{tag}", {"n": n, "pad": big})
        # 40 KiB of burst: the first two pass, the rest are refused.
        codes = [(await m_socket.next(10)).get("code") for _ in range(3)]
        assert codes == ["rate_limited"] * 3, codes
        relayed = [await b_socket.next(10) for _ in range(2)]
        assert [f["data"]["n"] for f in relayed] == [0, 1]
        assert registry.metric("websocket_limit_rejections_total", 'limit="bytesPerSecondPerUser"') == 3
        await relay_works(a_socket, b_socket, "small and steady")
        for socket_ in (a_socket, b_socket, m_socket):
            await socket_.close()

    run(scenario())


# -- authentication throttling


def test_invalid_token_storm_is_throttled_per_ip(start_registry, embedded_only):
    registry = start_registry(limits={"authThrottle.maxFailures": "6", "authThrottle.slowAfter": "2",
                                      "authThrottle.delay": "100ms", "authThrottle.maxDelay": "500ms",
                                      "authThrottle.blockFor": "60s"})

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        alice, bob, a_socket, b_socket = await pair(registry, tag, network)
        mallory = Api(registry, f"mallory{tag}")
        m = f"peer_mallory_{tag}"
        await announced(mallory, network, m)
        carol = registry.token(f"carol{tag}")  # never presented before: not in the verified-token cache
        forged = mallory.token[:-4] + "AAAA"
        started = time.monotonic()
        for _ in range(3):
            assert (await refused(registry, m, forged, OTHER_IP))[1] == POLICY_VIOLATION
        async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=OTHER_IP), timeout=20) as other:
            for _ in range(3):
                response = await other.get(f"{registry.http_url}/network/{network}/peers", headers={"Authorization": f"Bearer {forged}"})
                assert response.status_code == 401
            slowed = time.monotonic() - started
            assert slowed >= 0.1 + 0.2 + 0.3 + 0.4, f"failures past slowAfter were not delayed ({slowed:.2f}s)"
            # The address is blocked now: its invalid tokens are refused (and slowed to maxDelay) ...
            started = time.monotonic()
            response = await other.get(f"{registry.http_url}/network/{network}/peers", headers={"Authorization": f"Bearer {forged}"})
            assert response.status_code == 429, response.text
            assert int(response.headers["Retry-After"]) >= 1
            assert time.monotonic() - started >= 0.5
            # ... but valid tokens from the same address are served: one remembered, one verified now.
            response = await other.get(f"{registry.http_url}/network/{network}/peers", headers={"Authorization": f"Bearer {mallory.token}"})
            assert response.status_code == 200, response.text
            response = await other.get(f"{registry.http_url}/network/{network}/peers", headers={"Authorization": f"Bearer {carol}"})
            assert response.status_code == 200, response.text
        frames, code = await refused(registry, m, forged, OTHER_IP)
        assert code == POLICY_VIOLATION
        m_socket = await open_from(registry, m, mallory.token, OTHER_IP)
        await relay_works(m_socket, a_socket, "blocked address, valid token")
        # Other addresses are not affected.
        assert (await alice.peers(network))
        await relay_works(a_socket, b_socket, "other address")
        assert registry.metric("auth_throttled_total", 'action="blocked"') == 1
        assert registry.metric("auth_throttled_total", 'action="refused"') == 2
        assert registry.metric("auth_throttled_total", 'action="passed"') == 3
        assert registry.metric("auth_failures_total") == 8
        for socket_ in (a_socket, b_socket, m_socket):
            await socket_.close()

    run(scenario())


# -- HTTP


def raw_http(port: int, data: bytes, wait: float) -> tuple[bytes, float]:
    """Sends `data`, then reads until the server closes (or `wait` seconds); returns the reply and the time taken."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    return reply, time.monotonic() - started


def test_http_header_limit_slowloris_and_slow_body(start_registry, embedded_only):
    registry = start_registry(limits={"http.idleTimeout": "2s", "http.bodyReadTimeout": "500ms", "http.maxHeaderSize": "4KiB"})
    token = registry.token("alice")
    # Headers over the limit: refused without reading them all.
    reply, _ = raw_http(registry.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8192 + b"\r\n\r\n", wait=10)
    assert not reply.startswith(b"HTTP/1.1 200"), reply[:200]
    # A request head that never completes (slowloris) is closed after the idle timeout.
    reply, seconds = raw_http(registry.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", wait=10)
    assert reply == b"" and 1.5 < seconds < 6, (reply, seconds)
    # An idle keep-alive connection is closed too.
    reply, seconds = raw_http(registry.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", wait=10)
    assert reply.startswith(b"HTTP/1.1 200") and 1.5 < seconds < 6, (reply[:100], seconds)
    # A body that trickles in too slowly gets 408.
    head = (f"POST /network/n1/announce HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n").encode()
    reply, seconds = raw_http(registry.http_port, head + b'{"peerId"', wait=10)
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    # Meanwhile the API answers normally.
    assert httpx.get(f"{registry.http_url}/healthz", timeout=10).status_code == 200


# -- soak


def test_soak_normal_traffic_beside_every_abuse(start_registry, embedded_only):
    """Legitimate pairs exchange messages while abusers run every pattern at once: a receiver that stops reading,
    a message flood, oversized and malformed frames, connect churn past the limits, an invalid-token storm from
    another address. No crash, RSS stays within a bound, and no legitimate message is lost.

    BOUNDS_SOAK_SECONDS sets the length (default 60), BOUNDS_SOAK_PATTERNS the abuses (slow,flood,tokens) and
    BOUNDS_FLOOD_FRAMES what the flooder sends (mixed, garbage, offers, none), to tell which pattern a growth
    comes from (this is how a reference cycle keeping every upgraded connection's context was found)."""
    seconds = float(os.environ.get("BOUNDS_SOAK_SECONDS", "60"))
    registry = start_registry(limits={"websocket.connectsPerMinutePerUser": "20", "websocket.messagesPerSecondPerUser": "200",
                                      "websocket.bytesPerSecondPerUser": "64MiB", "websocket.bytesPerSecondPerIP": "64MiB",
                                      "websocket.maxRateViolations": "5", "websocket.slowConsumerOverflow": "50",
                                      "websocket.slowConsumerCloseTimeout": "2s", "authThrottle.blockFor": "5s"},
                              SIGNALING_QUEUE_CAP="50", SIGNALING_MESSAGES_PER_SECOND="300", SIGNALING_MESSAGE_BURST="300")

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        deadline = time.monotonic() + seconds
        samples: list[int] = []
        stop = asyncio.Event()
        problems: list[str] = []

        legit_pairs = []
        for i in range(3):
            alice, bob = Api(registry, f"la{i}{tag}"), Api(registry, f"lb{i}{tag}")
            a, b = f"peer_la{i}_{tag}", f"peer_lb{i}_{tag}"
            await announced(alice, network, a)
            await announced(bob, network, b)
            legit_pairs.append((alice, bob, a, b))
        victim = Api(registry, f"victim{tag}")
        await announced(victim, network, f"peer_victim_{tag}")
        flooder, pusher = Api(registry, f"flood{tag}"), Api(registry, f"pusher{tag}")
        for i in range(10):  # within the announce rate limit (12 a minute)
            await announced(flooder, network, f"peer_flood{i}_{tag}")
        await announced(pusher, network, f"peer_pusher_{tag}")

        async def legit(alice: Api, bob: Api, a: str, b: str) -> None:
            a_socket = await Signaling.open(registry, a, alice.token)
            b_socket = await Signaling.open(registry, b, bob.token)
            sent = 0
            received = set()
            while time.monotonic() < deadline:
                await a_socket.signal("ice-candidate", b, {"n": sent})
                sent += 1
                while not b_socket.frames.empty():
                    received.add(b_socket.frames.get_nowait()["data"]["n"])
                await asyncio.sleep(0.02)
            await a_socket.sync(timeout=30)
            while len(received) < sent:
                try:
                    received.add((await b_socket.next(10))["data"]["n"])
                except asyncio.TimeoutError:
                    break
            if received != set(range(sent)):
                problems.append(f"{b}: {sent - len(received)} of {sent} legitimate messages missing")
            await a_socket.close()
            await b_socket.close()

        async def slow_consumer() -> None:
            while time.monotonic() < deadline:
                slow = await SlowSocket.open("127.0.0.1", registry.ws_port, f"/signaling/peer_victim_{tag}", victim.token, "victim",
                                             local_address="127.0.0.4")
                pushing = await open_from(registry, f"peer_pusher_{tag}", pusher.token, "127.0.0.4")
                try:
                    for n in range(400):  # 12 MB: more than the kernel's socket buffers take
                        await pushing.signal("ice-candidate", f"peer_victim_{tag}", {"n": n, "pad": "z" * 30000})
                        await asyncio.sleep(0.002)
                except ConnectionClosed:
                    pass
                await asyncio.sleep(3)  # past the close timeout: the server drops the socket
                await slow.close()
                await pushing.close()
                await victim.drain(f"peer_victim_{tag}")

        async def flood_and_garbage() -> None:
            i = 1
            while time.monotonic() < deadline:
                try:
                    socket_ = await open_from(registry, f"peer_flood{i % 9 + 1}_{tag}", flooder.token, OTHER_IP)
                    kind = os.environ.get("BOUNDS_FLOOD_FRAMES", "mixed")
                    for n in range(60 if kind != "none" else 0):
                        garbage = ["not json", "y" * (80 * 1024), '{"type":"offer"}'][n % 3]
                        offer = '{"type":"offer","toPeerId":"peer_victim_' + tag + '","data":{}}'
                        await socket_.send({"mixed": garbage if n % 2 else offer, "garbage": garbage, "offers": offer}[kind])
                    await socket_.wait_closed(10)
                    await socket_.close()
                except (ConnectionClosed, asyncio.TimeoutError, OSError):
                    pass
                i += 1
                await asyncio.sleep(0.1)

        async def token_storm() -> None:
            async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address="127.0.0.3"), timeout=20) as other:
                while time.monotonic() < deadline:
                    await other.get(f"{registry.http_url}/network/{network}/peers", headers={"Authorization": "Bearer nope"})
                    try:
                        await refused(registry, f"peer_flood0_{tag}", "forged.token.value", "127.0.0.3")
                    except (ConnectionClosed, OSError, asyncio.TimeoutError):
                        pass
                    await asyncio.sleep(0.05)

        async def sample() -> None:
            while not stop.is_set():
                samples.append(registry.rss_kib())
                await asyncio.sleep(1)

        sampler = asyncio.create_task(sample())
        # BOUNDS_SOAK_PATTERNS picks some abuses (slow,flood,tokens) to find which one a growth comes from.
        patterns = os.environ.get("BOUNDS_SOAK_PATTERNS", "slow,flood,tokens").split(",")
        abuses = {"slow": slow_consumer, "flood": flood_and_garbage, "tokens": token_storm}
        await asyncio.gather(*(legit(*p) for p in legit_pairs), *(abuses[name]() for name in patterns if name in abuses))
        stop.set()
        await sampler
        assert registry.is_running(), registry.log_tail()
        assert not problems, problems
        quarter = samples[len(samples) // 4:]
        growth = (max(quarter) - quarter[0]) / 1024
        print(f"\nsoak {seconds:.0f}s: RSS {samples[0] / 1024:.1f} -> {samples[-1] / 1024:.1f} MiB (max {max(samples) / 1024:.1f}); "
              f"growth after warm-up {growth:.1f} MiB; slow closes {registry.metric('signaling_slow_consumer_closes_total'):.0f}, "
              f"throttled {registry.metric('auth_throttled_total'):.0f}, limit rejections {registry.metric('websocket_limit_rejections_total'):.0f}; "
              f"RSS every 5 s (MiB): {[round(v / 1024) for v in samples[::5]]}")
        assert growth < 64, f"RSS kept growing: {growth:.1f} MiB after warm-up"
        if "slow" in patterns:
            assert registry.metric("signaling_slow_consumer_closes_total") >= 1, "the slow consumer was never closed"
        assert httpx.get(f"{registry.http_url}/healthz", timeout=10).status_code == 200

    run(scenario(), timeout=seconds + 240)
