"""test_webrtc.py's twin: the same real WebRTC data channel (aiortc makes the media side), with every announce,
discovery and signaling frame going through the Swift RegistryClient (`registry-demo bridge`, see
registry_client_bridge.py); and the README quick start's `registry-demo` run in two "terminals"."""

from __future__ import annotations

import asyncio
import subprocess

from helpers import Api, Peer, eventually, run, uid
from registry_client_bridge import BridgeSignaling, demo_binary
from test_webrtc import exchange_message


async def bridged_peer(registry, network: str, name: str, tag: str, capabilities: list[str]) -> Peer:
    api = Api(registry, f"{name}{tag}")  # holds the token; every request goes through the bridge
    peer = Peer(name, f"peer_{name}_{tag}", api)
    peer.signaling = await BridgeSignaling.open(registry, network, peer.device, api.token, capabilities)
    return peer


def test_data_channel_with_registry_client_signaling(registry):
    async def scenario():
        network, tag = f"net{uid()}", uid()
        alice = await bridged_peer(registry, network, "alice", tag, ["relay"])
        bob = await bridged_peer(registry, network, "bob", tag, ["store"])
        tasks = []
        try:
            async def other_of(peer: Peer) -> str:
                async def found():
                    return [p["deviceId"] for p in await peer.signaling.peers() if p["deviceId"] != peer.device]
                others = await eventually(found, what=f"a peer of {peer.name}")
                return others[0]

            assert await other_of(alice) == bob.device
            assert await other_of(bob) == alice.device
            tasks = [asyncio.create_task(p.serve_signaling()) for p in (alice, bob)]
            await alice.offer(bob.device)
            done = asyncio.create_task(exchange_message(alice, bob))
            finished, _ = await asyncio.wait([done, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                task.result()
            for peer, other in ((alice, bob), (bob, alice)):
                assert peer.relayed, f"{peer.name} received no signaling"
                for frame in peer.relayed:
                    assert frame["fromPeerId"] == other.device and frame["toPeerId"] == peer.device and frame["id"]
            assert [f["type"] for f in bob.relayed][0] == "offer" and "ice-candidate" in [f["type"] for f in bob.relayed]
            assert [f["type"] for f in alice.relayed][0] == "answer"
            for peer in (alice, bob):
                assert await peer.signaling.drain() == []
        finally:
            for task in tasks:
                task.cancel()
            for peer in (alice, bob):
                await peer.close()

    run(scenario(), timeout=120)


def test_registry_demo_two_terminals_exchange_a_message(registry):
    """The README quick start's last step: two `registry-demo` processes find each other and exchange a message."""
    network, tag = f"net{uid()}", uid()
    base = [str(demo_binary()), "--api", registry.http_url, "--signaling", f"ws://127.0.0.1:{registry.ws_port}",
            "--network", network, "--timeout", "60"]
    terminals = {
        name: subprocess.Popen(base + ["--device", f"peer_{name}_{tag}", "--token", registry.token(f"{name}{tag}"),
                                       "--message", f"hello from {name}"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name in ("alice", "bob")
    }
    outputs = {}
    for name, process in terminals.items():
        try:
            outputs[name], _ = process.communicate(timeout=90)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, outputs.get(name)
    assert f'← peer_bob_{tag} says "hello from bob"' in outputs["alice"], outputs["alice"]
    assert f'← peer_alice_{tag} says "hello from alice"' in outputs["bob"], outputs["bob"]
    assert f'← peer_bob_{tag} answered "got it"' in outputs["alice"]
    assert outputs["alice"].rstrip().endswith("done")
