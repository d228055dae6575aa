"""clients/js/registry-client.js in headless Chromium against the real server, for the issue 24 features and the
socket handshake: presence push (state, a diff on a join and a leave, unsubscribe), delivery receipts (live and queued),
`iceServers()`, `leave()`, and what a connection does when the server answers `not_announced` (it announces the device
again and sends the refused message once more). The page and fixtures are test_browser_client.py's.
"""

from __future__ import annotations

import base64
import time

import pytest

from test_browser_client import (  # noqa: F401 (the fixtures)
    CHROMEDRIVER, CHROMIUM, announce_pair, browser, embedded_only, module_page, repo_origin,
)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless Chromium not installed (apt-get install chromium chromium-driver, or scripts/install-deps.sh --test)",
)


def test_js_client_presence_receipts_ice_servers_and_leave(module_page):  # noqa: F811
    page = module_page(PRESENCE_DIFF_INTERVAL="50ms", STUN_URLS="stun:stun.example.com:3478",
                       TURN_URLS="turn:turn.example.com:3478?transport=udp", TURN_SECRET="turn-secret-0123456789abcdef")
    names = announce_pair(page)
    outcome = page.run(
        """
        const [carolToken] = args;
        const carol = make(carolToken), carolDevice = `peer_carol_${names.tag}`;
        const a = watch(alice.connect(names.alice)), b = watch(bob.connect(names.bob));
        await connected(a); await connected(b);
        const kinds = (w, type) => w.frames.filter((f) => f.type === type);
        a.connection.subscribePresence(); b.connection.subscribePresence();
        const state = await until("alice's presence_state", () => kinds(a, "presence_state")[0]);
        await carol.announce(names.network, { peerId: carolDevice, signalAddress: `${ws}/signaling/${carolDevice}`, capabilities: ["store"] });
        const join = await until("carol's join", () => kinds(a, "presence_diff").find((d) => d.joins.some((p) => p.deviceId === carolDevice)));
        await carol.leave(names.network, carolDevice);
        const leave = await until("carol's leave", () => kinds(a, "presence_diff").find((d) => d.leaves.includes(carolDevice)));
        const listedAfterLeave = (await alice.peers(names.network)).peers.map((p) => p.deviceId).sort();
        await until("carol's leave, for bob", () => kinds(b, "presence_diff").find((d) => d.leaves.includes(carolDevice)));

        // Unsubscribed (done once the receipt of a later message is back: a socket's frames are handled in order), alice
        // gets no diff of carol's return while bob does; a receipt after bob's diff shows nothing was on its way to her.
        a.connection.unsubscribePresence();
        a.connection.send("offer", names.bob, { n: "sync-0" }, "sync-0");
        await until("the first receipt", () => kinds(a, "delivered").find((r) => r.id === "sync-0"));
        const diffsBefore = kinds(a, "presence_diff").length, bobBefore = b.frames.length;
        await carol.announce(names.network, { peerId: carolDevice, signalAddress: `${ws}/signaling/${carolDevice}` });
        await until("carol's return, for bob", () => b.frames.slice(bobBefore).find((f) => f.type === "presence_diff" && f.joins.some((p) => p.deviceId === carolDevice)));
        a.connection.send("offer", names.bob, { n: "sync-1" }, "sync-1");
        const live = await until("the live receipt", () => kinds(a, "delivered").find((r) => r.id === "sync-1"));
        const diffsAfter = kinds(a, "presence_diff").length;

        // A queued receipt: bob's socket is closed, the message waits in his queue.
        await b.connection.close();
        a.connection.send("offer", names.bob, { n: "queued" }, "q-1");
        const queued = await until("the queued receipt", () => kinds(a, "delivered").find((r) => r.id === "q-1"));
        const drained = (await bob.drain(names.bob)).map((m) => m.data.n);

        const ice = await alice.iceServers(names.network);
        await a.connection.close();
        return { state, join, leave, listedAfterLeave, diffsBefore, diffsAfter, live, queued, drained, ice,
                 errors: a.frames.filter((f) => f.code) };
        """,
        page.registry.token(f"carol{names['tag']}"),
    )
    carol = f"peer_carol_{names['tag']}"
    assert outcome["state"]["networkId"] == names["network"]
    assert sorted(p["deviceId"] for p in outcome["state"]["peers"]) == [names["alice"], names["bob"]]
    # (A diff may also carry the coordinator election's promotions of alice and bob as joins.)
    assert [p["capabilities"] for p in outcome["join"]["joins"] if p["deviceId"] == carol] == [["store"]]
    assert outcome["leave"]["leaves"] == [carol]
    assert outcome["listedAfterLeave"] == sorted([names["alice"], names["bob"]]), "leave() takes the device out of GET peers"
    assert outcome["diffsAfter"] == outcome["diffsBefore"], "no diff after presence_unsubscribe"
    assert (outcome["live"]["delivery"], outcome["queued"]["delivery"]) == ("live", "queued")
    assert outcome["drained"] == ["queued"]
    assert outcome["errors"] == []
    ice = outcome["ice"]
    assert ice["ttl"] == 600 and ice["iceServers"][0] == {"urls": ["stun:stun.example.com:3478"]}
    turn = ice["iceServers"][1]
    assert turn["urls"] == ["turn:turn.example.com:3478?transport=udp"]
    expiry, user = turn["username"].split(":", 1)
    assert user == f"alice{names['tag']}" and abs(int(expiry) - (time.time() + 600)) < 60
    assert len(base64.b64decode(turn["credential"])) == 20, "a base64 HMAC-SHA1"


def test_js_client_announces_again_on_not_announced_and_sends_the_message_once_more(module_page):  # noqa: F811
    # The embedded store does not survive a restart: the server comes back without the devices, as after their
    # retention or on a lost store, and answers the reconnected sockets' frames with not_announced.
    page = module_page()
    names = announce_pair(page)
    page.run(
        """
        window.a = watch(alice.connect(names.alice)); window.b = watch(bob.connect(names.bob));
        await connected(a); await connected(b);
        b.connection.subscribePresence();
        await until("bob's presence_state", () => b.frames.find((f) => f.type === "presence_state"));
        """
    )
    assert page.registry.stop() == 0
    page.registry.start((page.registry.http_port, page.registry.ws_port))
    outcome = page.run(
        """
        await connected(a, 2); await connected(b, 2);
        // Bob's connection subscribes again on reconnect, is refused, announces bob again and subscribes again.
        await until("bob's second presence_state", () => b.frames.filter((f) => f.type === "presence_state").length >= 2);
        a.connection.send("offer", names.bob, { n: "again" }, "r-1");
        const receipt = await until("the receipt of the message sent again", () => a.frames.find((f) => f.type === "delivered" && f.id === "r-1"));
        await message(b, "again");
        const listed = (await alice.peers(names.network)).peers.map((p) => p.deviceId).sort();
        const result = { receipt, listed, copies: b.frames.filter((f) => f.data && f.data.n === "again").length,
                         aliceErrors: a.frames.filter((f) => f.code), bobErrors: b.frames.filter((f) => f.code).map((f) => f.code) };
        await alice.leave(names.network, names.alice);
        await a.connection.close();
        return result;
        """
    )
    assert outcome["receipt"]["delivery"] == "live"
    assert outcome["copies"] == 1
    assert outcome["aliceErrors"] == [], "a message sent again successfully is not reported as refused"
    assert outcome["bobErrors"] == ["not_announced"], "the refused subscription (no id) is reported; it was made again"
    assert outcome["listed"] == sorted([names["alice"], names["bob"]])

    # After leave() the client does not bring the device back: the refusal is dispatched.
    assert page.registry.stop() == 0
    page.registry.start((page.registry.http_port, page.registry.ws_port))
    outcome = page.run(
        """
        const left = watch(alice.connect(names.alice));
        await connected(left);
        left.connection.send("offer", names.bob, { n: "left" }, "r-2");
        const refused = await until("the refusal", () => left.frames.find((f) => f.code && f.id === "r-2"));
        const listed = (await bob.peers(names.network)).peers.map((p) => p.deviceId);
        await left.connection.close(); await b.connection.close();
        return { refused: refused.code, listed };
        """
    )
    assert outcome["refused"] == "not_announced"
    assert names["alice"] not in outcome["listed"]
