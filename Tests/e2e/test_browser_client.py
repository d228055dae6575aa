"""clients/js/registry-client.js in headless Chromium against the real server: the same cases as the Swift client's
tests (success path, reconnect after a server restart, `4000 replaced`, an expired token refreshed through the token
provider, 429 backoff with Retry-After, the queue delivered on reconnect), and examples/browser/index.html connecting
two tabs over a WebRTC data channel through the module.

The repository root is served on a port of its own (another origin than the API's, so CORS applies) and the tests
drive the module with `import()` from the demo page. Skipped only when Chromium is not installed, like test_browser.py.
"""

from __future__ import annotations

import functools
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from conftest import SECRET
from helpers import uid
from jwt_tokens import expired_token
from test_browser import CHROMEDRIVER, CHROMIUM, _QuietHandler, browser  # noqa: F401 (the browser fixture)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless Chromium not installed (apt-get install chromium chromium-driver, or scripts/install-deps.sh --test)",
)

ROOT = Path(__file__).resolve().parents[2]

# Installed in the page once: the module, a client factory with quick reconnections, watchers and waits.
PRELUDE = """
window.lib = await import("/clients/js/registry-client.js");
window.recording = (answers) => {
  const provider = (reason) => { provider.reasons.push(reason); return answers[Math.min(provider.reasons.length - 1, answers.length - 1)]; };
  provider.reasons = [];
  return provider;
};
window.make = (token, extra = {}) => new lib.RegistryClient({
  apiUrl: window.api, signalingUrl: window.ws, tokenProvider: typeof token === "function" ? token : () => token,
  backoff: { initial: 50, maximum: 400, jitter: 0 }, ...extra,
});
window.watch = (connection) => {
  const watched = { connection, frames: [], states: [] };
  connection.addEventListener("frame", (event) => watched.frames.push(event.detail));
  connection.addEventListener("state", (event) => watched.states.push(event.detail));
  return watched;
};
window.until = async (what, check, ms = 20000) => {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
window.connected = (watched, times = 1) => until(`connected ${times} times`, () => watched.states.filter((s) => s.state === "connected").length >= times);
window.message = (watched, n) => until(`message ${n}`, () => watched.frames.find((f) => f.data && f.data.n === n));
window.numbers = (watched) => watched.frames.filter((f) => f.fromPeerId).map((f) => f.data.n);
return true;
"""


@pytest.fixture
def embedded_only(backend):
    if backend != "embedded":
        pytest.skip("the client libraries are store-agnostic; the Swift client's success path runs on both stores")


@pytest.fixture
def repo_origin():
    """The repository root served on 127.0.0.1 on a port of its own: /examples/browser and /clients/js."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(ROOT)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class ModulePage:
    """The demo page in one browser, with the module imported: `run` awaits a script body that may use `args`."""

    def __init__(self, driver, origin: str, registry) -> None:
        self.driver = driver
        self.registry = registry
        driver.get(f"{origin}/examples/browser/index.html")
        self.point_at(registry)
        assert self.run(PRELUDE) is True

    def point_at(self, registry) -> None:
        self.run("window.api = args[0]; window.ws = args[1];", registry.http_url, f"ws://127.0.0.1:{registry.ws_port}")

    def run(self, body: str, *args):
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"(async (args) => {{ {body} }})(Array.from(arguments).slice(0, -1))"
            ".then(done, (error) => done({thrown: String(error && error.stack || error)}));",
            *args,
        )
        assert not (isinstance(result, dict) and "thrown" in result), result["thrown"]
        return result


def _page_opener(start_registry, repo_origin, browser):  # noqa: F811
    def open_page(**env: str) -> ModulePage:
        registry = start_registry(CORS_ALLOW_ORIGINS=repo_origin, **env)
        return ModulePage(browser(), repo_origin, registry)

    return open_page


@pytest.fixture
def module_page(embedded_only, start_registry, repo_origin, browser):  # noqa: F811
    """`module_page(**env)`: a server allowing the page's origin, and the page."""
    return _page_opener(start_registry, repo_origin, browser)


@pytest.fixture
def durable_module_page(backend, start_registry, repo_origin, browser):  # noqa: F811
    """`module_page` on MongoDB: what a restart must keep (devices, ownership, queues) survives it only there."""
    if backend != "mongodb":
        pytest.skip("the embedded store does not survive a restart (README: restart durability is MongoStore's)")
    return _page_opener(start_registry, repo_origin, browser)


def announce_pair(page: ModulePage) -> dict:
    tag = uid()
    names = {"tag": tag, "network": f"net{tag}", "alice": f"peer_alice_{tag}", "bob": f"peer_bob_{tag}"}
    page.run(
        """
        const [names, aliceToken, bobToken] = args;
        window.names = names;
        window.alice = make(aliceToken);
        window.bob = make(bobToken);
        for (const [client, device] of [[alice, names.alice], [bob, names.bob]]) {
          await client.announce(names.network, { peerId: device, signalAddress: `${ws}/signaling/${device}`, capabilities: ["relay"] });
        }
        """,
        names, page.registry.token(f"alice{tag}"), page.registry.token(f"bob{tag}"),
    )
    return names


def test_js_client_announces_discovers_and_signals(module_page):
    page = module_page()
    names = announce_pair(page)
    outcome = page.run(
        """
        const listing = await alice.peers(names.network);
        const again = await alice.peers(names.network);
        const lookup = await alice.peer(names.network, `bob${names.tag}`);
        let validation;
        try { await alice.announce("net-1", { peerId: "alice", signalAddress: "http://x" }); } catch (error) {
          validation = { name: error.name, status: error.status, paths: error.errors.map((e) => e.path) };
        }
        const a = watch(alice.connect(names.alice)), b = watch(bob.connect(names.bob));
        await connected(a); await connected(b);
        a.connection.send("offer", names.bob, { type: "offer", sdp: "v=0 alice", n: "1" });
        const offer = await message(b, "1");
        b.connection.send("answer", names.alice, { type: "answer", sdp: "v=0 bob", n: "2" });
        b.connection.send("ice-candidate", names.alice, { candidate: "candidate:1 1 UDP 2122252543 192.0.2.7 49203 typ host", sdpMid: "0", sdpMLineIndex: 0, n: "3" });
        const candidates = [];
        a.connection.addEventListener("ice-candidate", (event) => candidates.push(event.detail));
        await message(a, "3");
        a.connection.send("offer", `peer_nobody_${names.tag}`, { n: "4" });
        const refused = await until("an error frame", () => a.frames.find((f) => f.code));
        const drained = await bob.drain(names.bob);
        await a.connection.close(); await b.connection.close();
        return { listing, again, lookup, validation, offer, candidates, refused, drained, ended: a.connection.state,
                 types: a.frames.filter((f) => f.fromPeerId).map((f) => f.type) };
        """
    )
    assert {p["deviceId"] for p in outcome["listing"]["peers"]} == {names["alice"], names["bob"]}
    assert outcome["listing"]["notModified"] is False and outcome["listing"]["etag"].startswith('"p2-')
    assert outcome["again"]["notModified"] is True and outcome["again"]["peers"] == outcome["listing"]["peers"]
    assert outcome["lookup"]["online"] is True and outcome["lookup"]["deviceId"] == names["bob"]
    assert outcome["validation"] == {"name": "RegistryError", "status": 400, "paths": ["networkId", "peerId", "signalAddress"]}
    offer = outcome["offer"]
    assert offer["type"] == "offer" and offer["fromPeerId"] == names["alice"] and offer["data"]["sdp"] == "v=0 alice" and offer["id"]
    assert outcome["types"] == ["answer", "ice-candidate"]
    assert len(outcome["candidates"]) == 1 and outcome["candidates"][0]["data"]["sdpMLineIndex"] == 0
    assert outcome["refused"] == {"error": f"Peer peer_nobody_{names['tag']} is not in your network", "code": "not_in_network"}
    assert outcome["drained"] == []
    assert outcome["ended"] == {"state": "ended", "reason": "closed"}


def test_js_client_reconnects_after_a_server_restart_and_sends_what_it_kept(durable_module_page):
    page = durable_module_page()
    names = announce_pair(page)
    page.run("window.a = watch(alice.connect(names.alice)); window.b = watch(bob.connect(names.bob)); await connected(a); await connected(b);")
    assert page.registry.stop() == 0
    waiting = page.run(
        """
        const waiting = await until("waiting after the shutdown", () => a.states.find((s) => s.state === "waiting"));
        a.connection.send("offer", names.bob, { n: "kept-1" });
        a.connection.send("ice-candidate", names.bob, { n: "kept-2" });
        return waiting;
        """
    )
    assert waiting["close"] == {"code": 1001, "reason": "Server shutting down"}
    page.registry.start((page.registry.http_port, page.registry.ws_port))
    outcome = page.run(
        """
        await connected(a, 2); await connected(b, 2);
        await message(b, "kept-2");
        b.connection.send("answer", names.alice, { n: "live" });
        await message(a, "live");
        const result = { order: numbers(b), errors: a.frames.filter((f) => f.code) };
        await a.connection.close(); await b.connection.close();
        return result;
        """
    )
    assert outcome == {"order": ["kept-1", "kept-2"], "errors": []}


def test_js_client_treats_replaced_as_final(module_page):
    page = module_page()
    announce_pair(page)
    outcome = page.run(
        """
        const first = watch(alice.connect(names.alice));
        await connected(first);
        const second = watch(alice.connect(names.alice));
        await connected(second);
        await until("the first connection ended", () => first.connection.state.state === "ended");
        const b = watch(bob.connect(names.bob));
        await connected(b);
        b.connection.send("offer", names.alice, { n: "1" });
        await message(second, "1");
        const result = { first: first.connection.state, connects: first.states.filter((s) => s.state === "connected").length, second: second.connection.state };
        await second.connection.close(); await b.connection.close();
        return result;
        """
    )
    assert outcome["first"] == {"state": "ended", "reason": "replaced", "close": {"code": 4000, "reason": "replaced"}}
    assert outcome["connects"] == 1
    assert outcome["second"] == {"state": "connected"}


def test_js_client_refreshes_an_expired_token_through_the_provider(module_page):
    page = module_page()
    tag = uid()
    user, device, network = f"alice{tag}", f"peer_alice_{tag}", f"net{tag}"
    expired, valid = expired_token(SECRET, user), page.registry.token(user)
    outcome = page.run(
        """
        const [expired, valid, device, network] = args;
        const httpTokens = recording([expired, valid]);
        const http = make(httpTokens);
        await http.announce(network, { peerId: device, signalAddress: `${ws}/signaling/${device}` });
        await http.peers(network);
        const socketTokens = recording([expired, valid]);
        const socket = watch(make(socketTokens).connect(device));
        await connected(socket);  // the server accepted the first upgrade, then closed it (1008) for the expired token
        const deadTokens = recording([expired]);
        const dead = watch(make(deadTokens).connect(device));
        await until("the connection with only expired tokens ended", () => dead.connection.state.state === "ended");
        const result = { http: httpTokens.reasons, socket: socketTokens.reasons, waited: socket.states.some((s) => s.state === "waiting"),
                         connects: socket.states.filter((s) => s.state === "connected").length,
                         dead: dead.connection.state, deadAsked: deadTokens.reasons };
        await socket.connection.close();
        return result;
        """,
        expired, valid, device, network,
    )
    assert outcome["http"] == ["initial", "refresh"], "asked again once after the 401, then the fresh token is kept"
    assert outcome["socket"] == ["initial", "refresh"]
    assert outcome["waited"] is False, "an authentication close reconnects at once with the new token"
    assert outcome["connects"] == 1, "the refused socket never counted as connected"
    assert outcome["dead"] == {"state": "ended", "reason": "authentication-failed", "close": {"code": 1008, "reason": "Authentication token expired"}}
    assert outcome["deadAsked"] == ["initial", "refresh"]


def test_js_presence_loop_waits_retry_after_when_rate_limited(module_page):
    page = module_page(RATE_LIMIT_MAX_REQUESTS="2", RATE_LIMIT_WINDOW_MS="86400000")
    tag = uid()
    outcome = page.run(
        """
        const [token, device, network] = args;
        const sleeps = [];
        // A recording sleep: the loop's waits are recorded, not waited; the third ends the loop.
        const sleep = (ms) => { sleeps.push(ms); return sleeps.length >= 3 ? Promise.reject(new Error("enough")) : Promise.resolve(); };
        const loop = make(token, { sleep }).presence(network, { peerId: device, signalAddress: `${ws}/signaling/${device}` }, { interval: 1000, jitter: 0.5 });
        const events = [];
        for (const name of ["announced", "ratelimited", "failed"]) loop.addEventListener(name, (event) => events.push({ name, ...event.detail }));
        loop.start();
        await until("three waits", () => sleeps.length >= 3);
        await loop.stop();
        return { events, sleeps };
        """,
        page.registry.token(f"alice{tag}"), f"peer_alice_{tag}", f"net{tag}",
    )
    events, sleeps = outcome["events"], outcome["sleeps"]
    assert [e["name"] for e in events] == ["announced", "announced", "ratelimited"], events
    assert 500 <= events[0]["next"] <= 1000, "the interval, shortened by at most its jitter"
    retry_after = events[2]["retryAfter"]
    # The server's Retry-After, in ms: the rest of the day-long window (windows are slots of the epoch: midnight UTC).
    expected = (86_400 - time.time() % 86_400) * 1000
    assert abs(retry_after - expected) <= 5000, (retry_after, expected)
    assert sleeps[2] == retry_after


def test_js_client_gets_the_queue_when_it_connects(module_page):
    page = module_page()
    announce_pair(page)
    outcome = page.run(
        """
        const a = watch(alice.connect(names.alice));
        await connected(a);
        for (const n of ["q1", "q2", "q3"]) a.connection.send("offer", names.bob, { n });
        a.connection.send("offer", `peer_nobody_${names.tag}`, { n: "sync" });
        await until("the error frame after the queued messages", () => a.frames.find((f) => f.code));
        const b = watch(bob.connect(names.bob));
        await connected(b);
        await message(b, "q3");
        const drained = await bob.drain(names.bob);
        await a.connection.close(); await b.connection.close();
        return { order: numbers(b), drained };
        """
    )
    assert outcome == {"order": ["q1", "q2", "q3"], "drained": []}


def test_demo_page_connects_two_tabs_over_a_data_channel(embedded_only, start_registry, repo_origin, browser):  # noqa: F811
    registry = start_registry(CORS_ALLOW_ORIGINS=repo_origin, limits={"websocket.allowedOrigins": f"['{repo_origin}']"})
    network, tag = f"net{uid()}", uid()
    tabs = {}
    for name in ("alice", "bob"):
        query = httpx.QueryParams(api=registry.http_url, ws=f"ws://127.0.0.1:{registry.ws_port}", token=registry.token(f"{name}{tag}"),
                                  network=network, device=f"peer_{name}_{tag}")
        driver = browser()
        driver.get(f"{repo_origin}/examples/browser/index.html?{query}")
        tabs[name] = driver

    def run(driver, expression: str, *args):
        return driver.execute_async_script(
            f"const done = arguments[arguments.length - 1]; Promise.resolve({expression}).then(done, e => done({{thrown: String(e)}}));", *args)

    for driver in tabs.values():
        assert run(driver, "window.demo.join()") == {"announced": True, "connected": True}
    assert run(tabs["alice"], "window.demo.peers()") == [f"peer_bob_{tag}"]
    run(tabs["alice"], "window.demo.call(arguments[0])", f"peer_bob_{tag}")
    for driver in tabs.values():
        assert run(driver, "window.demo.channelOpen()") is True, run(driver, "window.demo.state()")
    run(tabs["alice"], "window.demo.send(arguments[0])", "hello from alice's tab")
    assert run(tabs["bob"], "window.demo.nextMessage()") == "hello from alice's tab"
    run(tabs["bob"], "window.demo.send(arguments[0])", "hello back")
    assert run(tabs["alice"], "window.demo.nextMessage()") == "hello back"
    for driver in tabs.values():
        assert run(driver, "window.demo.state()")["errorFrames"] == []
