"""Abuse: hijacking another user's device, announce floods, oversized and malformed frames.

After each attack the server is still up and the legitimate traffic still gets through.
"""

from __future__ import annotations

import asyncio

import httpx
from websockets.exceptions import ConnectionClosed

from helpers import Api, Signaling, announced, close_code_of, run, uid

POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009


async def healthy(registry) -> None:
    assert registry.is_running(), registry.log_tail()
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{registry.http_url}/healthz")
    assert response.status_code == 200


def test_hijack_attempts_are_refused(registry):
    async def scenario():
        tag = uid()
        network = f"net{tag}"
        alice, bob, mallory = Api(registry, f"alice{tag}"), Api(registry, f"bob{tag}"), Api(registry, f"mallory{tag}")
        a, b, m = f"peer_alice_{tag}", f"peer_bob_{tag}", f"peer_mallory_{tag}"
        sockets: list[Signaling] = []
        try:
            await announced(alice, network, a, ["relay"])
            await announced(bob, network, b)
            await announced(mallory, network, m)

            # Announce as Alice's device: 403, and her entry is unchanged.
            response = await mallory.announce(network, a, ["store"], signal_address="wss://evil.example/x")
            assert response.status_code == 403
            assert response.json() == {"error": f"Device {a} belongs to another user"}
            entry = next(p for p in await bob.peers(network) if p["deviceId"] == a)
            assert entry["userId"] == alice.user and entry["signalAddress"] == registry.ws_url(a)
            assert entry["capabilities"] == ["relay"]

            # Connect as Alice's device (header or query token), with no token, a forged or another secret's token.
            assert await close_code_of(registry, a, mallory.token) == POLICY_VIOLATION
            assert await close_code_of(registry, a, mallory.token, via_query=True) == POLICY_VIOLATION
            assert await close_code_of(registry, a, None) == POLICY_VIOLATION
            assert await close_code_of(registry, a, alice.token[:-4] + "AAAA") == POLICY_VIOLATION
            assert await close_code_of(registry, "not-a-device", alice.token) == POLICY_VIOLATION

            # A message queued for Alice: Mallory cannot drain it, Alice can.
            b_socket = await Signaling.open(registry, b, bob.token)
            sockets.append(b_socket)
            await b_socket.signal("offer", a, {"type": "offer", "sdp": "for alice"})
            await b_socket.sync()  # the offer is queued
            response = await mallory.drain(a)
            assert response.status_code == 403
            assert response.json() == {"error": f"Device {a} belongs to another user"}
            drained = (await alice.drain(a)).json()["messages"]
            assert [(m["from"], m["data"]) for m in drained] == [(b, {"type": "offer", "sdp": "for alice"})]

            # Alice connects (query token, as browsers do); Mallory's attempt does not replace her socket.
            a_socket = await Signaling.open(registry, a, alice.token, via_query=True)
            sockets.append(a_socket)
            assert await close_code_of(registry, a, mallory.token) == POLICY_VIOLATION
            await b_socket.signal("answer", a, {"type": "answer", "sdp": "live"})
            frame = await a_socket.next()
            assert frame["fromPeerId"] == b and frame["data"] == {"type": "answer", "sdp": "live"}
            await healthy(registry)
        finally:
            for socket in sockets:
                await socket.close()
            for api in (alice, bob, mallory):
                await api.close()

    run(scenario())


def test_announce_flood_is_rate_limited(registry):
    async def scenario():
        tag = uid()
        network = f"net{tag}"
        flooder, other = Api(registry, f"flood{tag}"), Api(registry, f"calm{tag}")
        try:
            statuses = []
            for i in range(20):
                response = await flooder.announce(network, f"peer_flood_{tag}_{i % 3}")
                statuses.append(response.status_code)
                if response.status_code == 429:
                    assert response.json() == {"error": "Too many presence announcements"}
                    assert int(response.headers["Retry-After"]) >= 1
            assert statuses == [200] * 12 + [429] * 8, statuses
            # Other users are not affected, and the flooder's accepted devices are listed.
            await announced(other, network, f"peer_calm_{tag}")
            listed = {p["deviceId"] for p in await other.peers(network)}
            assert listed == {f"peer_flood_{tag}_{i}" for i in range(3)} | {f"peer_calm_{tag}"}
            await healthy(registry)
        finally:
            await flooder.close()
            await other.close()

    run(scenario())


def test_oversized_and_malformed_frames(registry):
    async def scenario():
        tag = uid()
        network = f"net{tag}"
        alice, bob = Api(registry, f"alice{tag}"), Api(registry, f"bob{tag}")
        a, b = f"peer_alice_{tag}", f"peer_bob_{tag}"
        sockets: list[Signaling] = []
        try:
            await announced(alice, network, a)
            await announced(bob, network, b)
            a_socket = await Signaling.open(registry, a, alice.token)
            b_socket = await Signaling.open(registry, b, bob.token)
            sockets += [a_socket, b_socket]

            bad_frames = [
                ("not json", "invalid_json"),
                ("[1, 2, 3]", "invalid_json"),
                ('"just a string"', "invalid_json"),
                ('{"type": "offer"}', "invalid_message"),
                ({"type": "offer", "toPeerId": b, "data": None}, "invalid_message"),
                ({"type": "offer", "toPeerId": "../etc/passwd", "data": {}}, "invalid_message"),
                ({"type": "offer", "toPeerId": a, "data": {}}, "invalid_message"),
                ({"type": "bogus", "toPeerId": b, "data": {}}, "unknown_type"),
                (b"\x00\x01binary", "unsupported_frame"),
                ({"type": "offer", "toPeerId": b, "data": {"sdp": "x" * (70 * 1024)}}, "message_too_large"),
            ]
            for frame, code in bad_frames:
                await a_socket.send(frame)
                await a_socket.expect_error(code)
                # The socket stays usable: a legitimate message still arrives, exactly once.
                await a_socket.signal("ice-candidate", b, {"candidate": "", "after": code})
                received = await b_socket.next()
                assert received["fromPeerId"] == a and received["data"] == {"candidate": "", "after": code}
            await b_socket.quiet(0.3)

            # More invalid frames than SIGNALING_MAX_INVALID_MESSAGES (10) within the window: closed with 1008.
            await a_socket.send("still not json")
            assert await a_socket.wait_closed() == POLICY_VIOLATION
            # A frame far over the limit (over 1 MiB) closes the socket with 1009, possibly while it is still being sent.
            try:
                await b_socket.send("y" * (2 * 1024 * 1024))
            except ConnectionClosed:
                pass
            assert await b_socket.wait_closed() == MESSAGE_TOO_BIG

            # The server is still up, and the same devices can reconnect and signal.
            await healthy(registry)
            a_again = await Signaling.open(registry, a, alice.token)
            b_again = await Signaling.open(registry, b, bob.token)
            sockets += [a_again, b_again]
            await a_again.signal("offer", b, {"type": "offer", "sdp": "after the storm"})
            frame = await b_again.next()
            assert frame["fromPeerId"] == a and frame["data"] == {"type": "offer", "sdp": "after the storm"}
        finally:
            for socket in sockets:
                await socket.close()
            for api in (alice, bob):
                await api.close()

    run(scenario())
