"""Restart durability on MongoStore: devices, ownership and queued messages survive a restart of the registry."""

from __future__ import annotations

import pytest

from helpers import Api, Signaling, announced, run, uid


# Only MongoStore: the embedded engine keeps its data in the process's memory.
@pytest.mark.parametrize("backend", ["mongodb"], indirect=True)
def test_queued_messages_and_devices_survive_a_restart(start_registry):
    # A 10-minute online window, so the devices are still online after the restart.
    registry = start_registry(DEVICE_TTL_MINUTES="10")
    tag = uid()
    network = f"net{tag}"
    a, b = f"peer_alice_{tag}", f"peer_bob_{tag}"
    sent = [("offer", {"type": "offer", "sdp": "v=0 survives"}),
            ("ice-candidate", {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0", "sdpMLineIndex": 0})]

    async def before():
        alice, bob = Api(registry, f"alice{tag}"), Api(registry, f"bob{tag}")
        try:
            await announced(alice, network, a, ["relay", "store"])
            await announced(bob, network, b)
            socket = await Signaling.open(registry, a, alice.token)
            for kind, data in sent:
                await socket.signal(kind, b, data)
            # Frames are handled in order: the answer to this bad frame means both messages were queued.
            await socket.send("not json")
            await socket.expect_error("invalid_json")
            await socket.close()
        finally:
            await alice.close()
            await bob.close()

    async def after():
        alice, bob, mallory = Api(registry, f"alice{tag}"), Api(registry, f"bob{tag}"), Api(registry, f"mallory{tag}")
        try:
            listed = {p["deviceId"]: p for p in await bob.peers(network)}
            assert set(listed) == {a, b}
            assert listed[a]["userId"] == alice.user and set(listed[a]["capabilities"]) >= {"relay", "store"}
            # Ownership survives too.
            assert (await mallory.announce(network, b)).status_code == 403
            assert (await mallory.drain(b)).status_code == 403
            drained = (await bob.drain(b)).json()["messages"]
            assert [(m["type"], m["from"], m["to"], m["data"]) for m in drained] == [(k, a, b, d) for k, d in sent]
            assert (await bob.drain(b)).json() == {"messages": []}
        finally:
            for api in (alice, bob, mallory):
                await api.close()

    run(before())
    registry.restart()  # SIGTERM (must exit 0), then a new process on the same database and new ports
    run(after())
