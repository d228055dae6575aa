"""Presence over time: announce, go silent, get swept offline, come back; coordinator election and replacement.

The servers run with DEVICE_TTL_MINUTES=0.05 (3 s online window) and both jobs every 500 ms.
"""

from __future__ import annotations

import asyncio

from helpers import Api, Signaling, announced, eventually, run, uid


def test_presence_lifecycle(registry):
    async def scenario():
        network, tag = f"net{uid()}", uid()
        carol = Api(registry, f"carol{tag}")
        dave = Api(registry, f"dave{tag}")
        carol_device, dave_device = f"peer_carol_{tag}", f"peer_dave_{tag}"
        try:
            # Carol has no capability, so the election never promotes her: Dave is the only coordinator.
            await announced(dave, network, dave_device, ["coordinator", "relay"])
            await announced(carol, network, carol_device)

            listed = {p["deviceId"]: p for p in await carol.peers(network)}
            assert set(listed) == {carol_device, dave_device}
            assert listed[dave_device]["isCoordinator"] is True
            assert listed[carol_device]["userId"] == carol.user
            online = (await dave.peer(network, carol.user)).json()
            assert online["online"] is True and online["deviceId"] == carol_device
            last_seen = online["lastSeen"]

            # Both stop announcing: after the 3 s window the sweep takes them offline.
            async def gone():
                return not await carol.peers(network)

            await eventually(gone, timeout=15, what="the silent devices to leave the peers list")
            if registry.backend == "mongodb":
                # The presence sweep itself marked them offline in the store (not only the online-window filter).
                async def swept():
                    documents = registry.device_documents([carol_device, dave_device])
                    return len(documents) == 2 and not any(d["isOnline"] for d in documents)

                await eventually(swept, timeout=10, what="the sweep to set isOnline false")
            offline = (await dave.peer(network, carol.user)).json()
            assert offline == {"online": False, "lastSeen": last_seen, "lastCoordinators": [dave_device]}

            # Announcing again brings Carol back.
            await announced(carol, network, carol_device)
            assert [p["deviceId"] for p in await dave.peers(network)] == [carol_device]
            back = (await dave.peer(network, carol.user)).json()
            assert back["online"] is True and back["deviceId"] == carol_device and back["lastSeen"] > last_seen

            # An open signaling socket counts as presence: Carol stays online past the window without announcing.
            socket = await Signaling.open(registry, carol_device, carol.token)
            await asyncio.sleep(4.5)
            assert (await dave.peer(network, carol.user)).json()["online"] is True
            await socket.close()
            await eventually(gone, timeout=15, what="Carol to go offline after closing her socket")
        finally:
            await carol.close()
            await dave.close()

    run(scenario(), timeout=90)


def test_coordinator_promotion_and_replacement(start_registry):
    registry = start_registry(MIN_COORDINATORS_PER_NETWORK="3")

    async def scenario():
        network, tag = f"net{uid()}", uid()
        # Announced in this order (deviceIds sort the same way): both capabilities first, then the earliest announced.
        capabilities = [["relay", "store"], ["store", "relay"], ["store"], ["store"], ["store"],
                        ["relay"], ["relay"], [], [], []]
        devices = [f"peer_d{i:02d}_{tag}" for i in range(10)]
        apis = [Api(registry, f"user{i}{tag}") for i in range(10)]
        sockets: dict[str, Signaling] = {}
        try:
            for api, device, caps in zip(apis, devices, capabilities):
                await announced(api, network, device, caps)
                # Each device holds its signaling socket open, which keeps it online without announcing.
                sockets[device] = await Signaling.open(registry, device, api.token)

            async def coordinators():
                peers = await apis[0].peers(network)
                return {p["deviceId"] for p in peers if p["isCoordinator"]}, {p["deviceId"] for p in peers}

            async def promoted():
                elected, online = await coordinators()
                return elected if len(elected) >= 3 else None

            elected = await eventually(promoted, timeout=15, what="3 coordinators")
            assert elected == set(devices[:3])
            await asyncio.sleep(1.5)  # three more election runs: still exactly three
            elected, online = await coordinators()
            assert elected == set(devices[:3]) and online == set(devices)
            for peer in await apis[0].peers(network):
                if peer["deviceId"] in elected:
                    assert "coordinator" in peer["capabilities"]

            # The third coordinator goes offline: the next candidate (earliest announced, capable) replaces it.
            await sockets.pop(devices[2]).close()

            async def replaced():
                elected, online = await coordinators()
                return (elected, online) if devices[2] not in online and len(elected) == 3 else None

            elected, online = await eventually(replaced, timeout=20, what="the silent coordinator's replacement")
            assert elected == {devices[0], devices[1], devices[3]}
            assert online == set(devices) - {devices[2]}
            offline = (await apis[5].peer(network, apis[2].user)).json()
            assert offline["online"] is False
            assert set(offline["lastCoordinators"]) >= {devices[0], devices[1], devices[3]}
        finally:
            for socket in sockets.values():
                await socket.close()
            for api in apis:
                await api.close()

    run(scenario(), timeout=90)
