"""A real WebRTC connection (aiortc) whose offer, answer and ICE candidates travel only through the registry."""

from __future__ import annotations

import asyncio

from helpers import Api, Peer, announced, eventually, run, uid


async def discover(api: Api, network: str, me: str) -> str:
    """The other device of the network, found through GET /peers."""

    async def other():
        return [p for p in await api.peers(network) if p["deviceId"] != me]

    peers = await eventually(other, what=f"a peer of {me} in {network}")
    assert len(peers) == 1, peers
    return peers[0]["deviceId"]


async def exchange_message(offerer: Peer, answerer: Peer) -> None:
    channel = await asyncio.wait_for(offerer.channel_open, 30)
    await asyncio.wait_for(answerer.channel_open, 30)
    channel.send(f"hello from {offerer.name}")
    assert await asyncio.wait_for(answerer.received.get(), 15) == f"hello from {offerer.name}"
    answerer.channel.send(f"hello back from {answerer.name}")
    assert await asyncio.wait_for(offerer.received.get(), 15) == f"hello back from {answerer.name}"
    assert offerer.pc.connectionState == "connected"
    assert answerer.pc.connectionState == "connected"


async def two_peers(registry) -> tuple[str, Peer, Peer]:
    network, tag = f"net{uid()}", uid()
    alice = Peer("alice", f"peer_alice_{tag}", Api(registry, f"alice{tag}"))
    bob = Peer("bob", f"peer_bob_{tag}", Api(registry, f"bob{tag}"))
    await announced(alice.api, network, alice.device, ["relay"])
    await announced(bob.api, network, bob.device, ["store"])
    return network, alice, bob


def test_data_channel_through_live_signaling(registry):
    async def scenario():
        network, alice, bob = await two_peers(registry)
        tasks = []
        try:
            bob_device = await discover(alice.api, network, alice.device)
            alice_device = await discover(bob.api, network, bob.device)
            assert (bob_device, alice_device) == (bob.device, alice.device)
            await alice.connect_signaling()
            await bob.connect_signaling()
            tasks = [asyncio.create_task(p.serve_signaling()) for p in (alice, bob)]
            await alice.offer(bob_device)
            done = asyncio.create_task(exchange_message(alice, bob))
            finished, _ = await asyncio.wait([done, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                task.result()  # a signaling error surfaces here
            # Every relayed frame names its real sender and carries an id and a timestamp.
            for peer, other in ((alice, bob), (bob, alice)):
                assert peer.relayed, f"{peer.name} received no signaling"
                for frame in peer.relayed:
                    assert frame["fromPeerId"] == other.device and frame["toPeerId"] == peer.device
                    assert frame["id"] and isinstance(frame["timestamp"], int)
            kinds = [f["type"] for f in bob.relayed]
            assert kinds[0] == "offer" and "ice-candidate" in kinds
            assert [f["type"] for f in alice.relayed][0] == "answer"
            # Live delivery: nothing is left queued for either device.
            for peer in (alice, bob):
                response = await peer.api.drain(peer.device)
                assert response.status_code == 200 and response.json() == {"messages": []}
        finally:
            for task in tasks:
                task.cancel()
            for peer in (alice, bob):
                await peer.close()

    run(scenario(), timeout=90)


def test_answerer_offline_drains_the_offer_then_connects(registry):
    async def scenario():
        network, alice, bob = await two_peers(registry)
        tasks = []
        try:
            bob_device = await discover(alice.api, network, alice.device)
            await alice.connect_signaling()
            sent: list[dict] = []

            async def recording_signal(kind, to, data):
                sent.append({"type": kind, "data": data})
                await alice.signaling.signal(kind, to, data)

            alice._adopt(alice.pc.createDataChannel("chat"))
            await alice.pc.setLocalDescription(await alice.pc.createOffer())
            await alice._send_description(bob_device, recording_signal)
            await alice.signaling.sync()  # everything was queued, with no error frame
            tasks.append(asyncio.create_task(alice.serve_signaling()))

            # Bob was offline: he drains his queue over HTTP, gets exactly what Alice sent, in order.
            response = await bob.api.drain(bob.device)
            assert response.status_code == 200, response.text
            messages = response.json()["messages"]
            assert [{"type": m["type"], "data": m["data"]} for m in messages] == sent
            for message in messages:
                assert message["from"] == alice.device and message["to"] == bob.device and message["id"]
            again = await bob.api.drain(bob.device)
            assert again.json() == {"messages": []}, "a drained message was returned twice"

            # He answers live once connected; the drained messages are not delivered again.
            await bob.connect_signaling()
            for message in messages:
                await bob.handle(message)
            tasks.append(asyncio.create_task(bob.serve_signaling()))
            done = asyncio.create_task(exchange_message(alice, bob))
            finished, _ = await asyncio.wait([done, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                task.result()
            assert len(bob.relayed) == len(messages), "queued messages were delivered again on connect"
            assert [f["type"] for f in alice.relayed][0] == "answer"
        finally:
            for task in tasks:
                task.cancel()
            for peer in (alice, bob):
                await peer.close()

    run(scenario(), timeout=90)
