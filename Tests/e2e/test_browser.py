"""Browser pages on another origin: headless Chromium (Debian's `chromium` and `chromium-driver`, driven by Selenium)
loads Tests/e2e/browser/peer.html from a static server on its own port, calls the API with fetch() (so CORS decides),
and connects two pages with a WebRTC data channel through the signaling socket, on host candidates on 127.0.0.1 only
(no ICE server).

Skipped only when Chromium or its driver is not installed (`scripts/install-deps.sh --test` installs them).
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from helpers import uid

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless Chromium not installed (apt-get install chromium chromium-driver, or scripts/install-deps.sh --test)",
)

PAGES = Path(__file__).resolve().parent / "browser"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # the suite runs as root in CI containers
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-features=WebRtcHideLocalIpsWithMdns",  # real host addresses in candidates, not .local names
    "--allow-loopback-in-peer-connection",  # gather on 127.0.0.1 too
    "--use-fake-ui-for-media-stream",  # grant the media permission that lets WebRTC gather on every interface
    "--use-fake-device-for-media-stream",
]


@pytest.fixture
def embedded_only(backend):
    if backend != "embedded":
        pytest.skip("CORS and the Origin check are engine-level; covered on the embedded store")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def page_origin():
    """Tests/e2e/browser served on 127.0.0.1 on a port of its own: another origin than the API's."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(PAGES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser():
    """`browser()` starts a headless Chromium (a WebDriver); all are quit at the end."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers on the network
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    drivers = []
    profiles = []

    def start():
        options = Options()
        options.binary_location = CHROMIUM
        profile = tempfile.mkdtemp(prefix="registry-chromium-")
        profiles.append(profile)
        for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_script_timeout(60)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()
    for profile in profiles:
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """peer.html in one browser, as one device of one user."""

    def __init__(self, driver, origin: str, registry, network: str, user: str, device: str) -> None:
        self.driver = driver
        self.device = device
        self.token = registry.token(user)
        query = httpx.QueryParams(api=registry.http_url, ws=f"ws://127.0.0.1:{registry.ws_port}", token=self.token,
                                  network=network, device=device)
        driver.get(f"{origin}/peer.html?{query}")

    def run(self, expression: str, *args):
        """Awaits `expression` (a call of the page's functions, which may use arguments[0…]) and returns its value."""
        return self.driver.execute_async_script(
            f"const done = arguments[arguments.length - 1]; Promise.resolve({expression}).then(done, e => done({{thrown: String(e)}}));",
            *args,
        )


def test_two_pages_on_another_origin_announce_discover_and_connect(embedded_only, start_registry, page_origin, browser):
    registry = start_registry(CORS_ALLOW_ORIGINS=page_origin, limits={"websocket.allowedOrigins": f"['{page_origin}']"})
    network, tag = f"net{uid()}", uid()
    alice = Page(browser(), page_origin, registry, network, f"alice{tag}", f"peer_alice_{tag}")
    bob = Page(browser(), page_origin, registry, network, f"bob{tag}", f"peer_bob_{tag}")

    for page in (alice, bob):
        announced = page.run("window.announce()")
        assert announced.get("status") == 200, announced
        assert announced["body"]["success"] is True
        assert announced["rateLimitRemaining"] is not None, "RateLimit-Remaining is exposed to the page"
    found = alice.run("window.peers()")
    assert found.get("status") == 200, found
    assert {peer["deviceId"] for peer in found["body"]["peers"]} >= {alice.device, bob.device}

    for page in (alice, bob):
        assert page.run("window.openSignaling()") == {"open": True}
    alice.run("window.offer(arguments[0])", bob.device)
    for page in (alice, bob):
        assert page.run("window.channelOpen()") is True, page.run("window.state()")

    alice.run("window.send(arguments[0])", "hello from alice")
    assert bob.run("window.nextMessage()") == "hello from alice"
    assert alice.run("window.nextMessage()") == "echo: hello from alice"
    assert alice.run("window.state()")["errorFrames"] == []


def test_without_cors_a_page_cannot_call_the_api(embedded_only, start_registry, page_origin, browser):
    registry = start_registry()  # http.cors off: the shipped default
    tag = uid()
    page = Page(browser(), page_origin, registry, f"net{tag}", f"carol{tag}", f"peer_carol_{tag}")
    refused = page.run("window.announce()")
    assert "Failed to fetch" in refused.get("error", ""), refused
    refused = page.run("window.peers()")
    assert "Failed to fetch" in refused.get("error", ""), refused
    # The same request outside a browser is served: the page was stopped by CORS, not by the server.
    served = httpx.get(f"{registry.http_url}/network/net{tag}/peers", headers={"Authorization": f"Bearer {page.token}"}, timeout=10)
    assert served.status_code == 200


def test_a_page_of_an_origin_not_listed_cannot_open_the_signaling_socket(embedded_only, start_registry, page_origin, browser):
    registry = start_registry(CORS_ALLOW_ORIGINS=page_origin, limits={"websocket.allowedOrigins": "['https://app.example.com']"})
    tag = uid()
    page = Page(browser(), page_origin, registry, f"net{tag}", f"dave{tag}", f"peer_dave_{tag}")
    assert page.run("window.announce()").get("status") == 200  # CORS lets the page call the API…
    assert page.run("window.openSignaling()") == {"open": False, "code": 1006}  # …but not open a socket
    # What the browser was told: 403 before any upgrade. Without an Origin header (the mobile apps) the same token connects.
    with socket.create_connection(("127.0.0.1", registry.ws_port), timeout=10) as raw:
        raw.sendall((f"GET /signaling/peer_dave_{tag}?token={page.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     f"Origin: {page_origin}\r\n\r\n").encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 403"), "an upgrade from an origin not listed is refused with 403"
    with socket.create_connection(("127.0.0.1", registry.ws_port), timeout=10) as raw:
        raw.sendall((f"GET /signaling/peer_dave_{tag}?token={page.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 101"), "an upgrade without Origin is not checked"
