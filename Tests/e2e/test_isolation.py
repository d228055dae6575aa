"""Networks are isolated: listings, network-limited tokens, signaling across networks, and per-device drains."""

from __future__ import annotations

from helpers import Api, Signaling, announced, run, uid


def test_networks_are_isolated(registry):
    async def scenario():
        tag = uid()
        net_a, net_b = f"neta{tag}", f"netb{tag}"
        alice = Api(registry, f"alice{tag}", networks=[net_a])  # a token limited to network A
        bob = Api(registry, f"bob{tag}")
        carol = Api(registry, f"carol{tag}")
        a1, a2, b1, c_a, c_b = (f"peer_a1_{tag}", f"peer_a2_{tag}", f"peer_b1_{tag}", f"peer_ca_{tag}", f"peer_cb_{tag}")
        sockets: list[Signaling] = []
        try:
            await announced(alice, net_a, a1)
            await announced(alice, net_a, a2)
            await announced(bob, net_b, b1)
            await announced(carol, net_a, c_a)
            await announced(carol, net_b, c_b)

            assert {p["deviceId"] for p in await carol.peers(net_a)} == {a1, a2, c_a}
            assert {p["deviceId"] for p in await carol.peers(net_b)} == {b1, c_b}
            assert {p["deviceId"] for p in await bob.peers(net_b)} == {b1, c_b}
            assert (await bob.peer(net_b, alice.user)).json()["online"] is False

            # Alice's token grants network A only: B can be neither read nor announced into.
            for response in (await alice.client.get(f"/network/{net_b}/peers"),
                             await alice.peer(net_b, bob.user),
                             await alice.announce(net_b, f"peer_a3_{tag}")):
                assert response.status_code == 403, response.text
                assert response.json() == {"error": f"Token does not grant access to network {net_b}"}
            assert {p["deviceId"] for p in await carol.peers(net_b)} == {b1, c_b}

            # A socket in A cannot signal a device that is only in B; nothing reaches or waits for it.
            a1_socket = await Signaling.open(registry, a1, alice.token)
            b1_socket = await Signaling.open(registry, b1, bob.token)
            sockets += [a1_socket, b1_socket]
            await a1_socket.signal("offer", b1, {"type": "offer", "sdp": "v=0"})
            await a1_socket.expect_error("not_in_network")
            await a1_socket.signal("offer", c_b, {"type": "offer", "sdp": "v=0"})
            await a1_socket.expect_error("not_in_network")
            await b1_socket.signal("offer", a1, {"type": "offer", "sdp": "v=0"})
            await b1_socket.expect_error("not_in_network")
            await b1_socket.quiet(0.3)
            await a1_socket.quiet(0.3)
            assert (await carol.drain(c_b)).json() == {"messages": []}

            # Messages queued for two offline devices of A: each drain returns its own, and only those.
            await a1_socket.signal("offer", a2, {"n": 1, "for": "a2"})
            await a1_socket.signal("offer", c_a, {"n": 2, "for": "c_a"})
            await a1_socket.signal("ice-candidate", a2, {"n": 3, "for": "a2"})
            await a1_socket.sync()  # all three are queued
            drained_a2 = (await alice.drain(a2)).json()["messages"]
            drained_c_a = (await carol.drain(c_a)).json()["messages"]
            assert [(m["to"], m["data"]) for m in drained_a2] == [(a2, {"n": 1, "for": "a2"}), (a2, {"n": 3, "for": "a2"})]
            assert [(m["to"], m["data"]) for m in drained_c_a] == [(c_a, {"n": 2, "for": "c_a"})]
            assert all(m["from"] == a1 for m in drained_a2 + drained_c_a)
            assert (await alice.drain(a1)).json() == {"messages": []}
            assert (await bob.drain(b1)).json() == {"messages": []}
        finally:
            for socket in sockets:
                await socket.close()
            for api in (alice, bob, carol):
                await api.close()

    run(scenario())
