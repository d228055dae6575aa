"""Client addresses behind a reverse proxy (issue 19): real nginx in front of both registry ports.

Each test starts its own nginx (Debian's package; `scripts/install-deps.sh --test` installs it) on free loopback
ports with a generated configuration: the HTTP API behind `proxy_pass` with `X-Forwarded-For
$proxy_add_x_forwarded_for`, the signaling port behind a WebSocket upgrade location. The registry trusts only nginx's
address (`TRUSTED_PROXIES=127.0.0.1/32`). Distinct clients connect to nginx from distinct loopback source addresses
(127.0.0.2, 127.0.0.3; the whole 127/8 is loopback on Linux), so per-IP bounds can be told apart per real client.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from conftest import free_port
from helpers import Api, Signaling, eventually, run, uid

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROXY = "127.0.0.1"  # nginx's address, the only trusted proxy
CLIENT_A, CLIENT_B, CLIENT_C = "127.0.0.2", "127.0.0.3", "127.0.0.4"
SPOOFED = "9.9.9.9"
POLICY_VIOLATION = 1008

NGINX_CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen {proxy}:{http_port};
        location / {{
            proxy_pass http://127.0.0.1:{registry_http};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
    server {{
        listen {proxy}:{ws_port};
        location / {{
            proxy_pass http://127.0.0.1:{registry_ws};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


class Nginx:
    """One nginx process in the foreground (no daemon, no master), everything it writes in a directory of its own."""

    def __init__(self, registry) -> None:
        if not Path(NGINX).exists():
            pytest.fail("nginx is not installed; run scripts/install-deps.sh --test")
        self.directory = Path(tempfile.mkdtemp(prefix="registry-e2e-nginx-"))
        self.http_port, self.ws_port = free_port(), free_port()
        config = self.directory / "nginx.conf"
        config.write_text(NGINX_CONFIG.format(
            tmp=self.directory, proxy=PROXY, http_port=self.http_port, ws_port=self.ws_port,
            registry_http=registry.http_port, registry_ws=registry.ws_port,
        ))
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.directory), "-c", str(config), "-e", str(self.directory / "error.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while not all(self._listening(port) for port in (self.http_port, self.ws_port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start:\n{self.error_log()}")
            time.sleep(0.05)

    @staticmethod
    def _listening(port: int) -> bool:
        try:
            with socket.create_connection((PROXY, port), timeout=1):
                return True
        except OSError:
            return False

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finishes open requests
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def http_url(self) -> str:
        return f"http://{PROXY}:{self.http_port}"

    def ws_url(self, device: str) -> str:
        return f"ws://{PROXY}:{self.ws_port}/signaling/{device}"


@pytest.fixture
def behind_nginx(start_registry):
    """`behind_nginx(limits=…, edit_limits=…, **env)`: a registry that trusts nginx's address, and nginx in front of it.
    `edit_limits` rewrites the text of the registry's own copy of limits.yaml (the server is restarted to read it)."""
    started: list[Nginx] = []

    def start(limits: dict[str, str] | None = None, edit_limits=None, **env: str):
        # Any override gives the server a configuration directory of its own (never the repository's files).
        registry = start_registry(limits=limits or {"http.maxBodySize": "64KiB"}, TRUSTED_PROXIES=f"{PROXY}/32", **env)
        if edit_limits:
            assert registry.stop() == 0, registry.log_tail()
            path = registry.config_dir / "limits.yaml"
            path.write_text(edit_limits(path.read_text()))
            registry.start()
        proxy = Nginx(registry)
        started.append(proxy)
        return registry, proxy

    yield start
    for proxy in started:
        proxy.stop()


def client(base_url: str, source: str, token: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """An HTTP client whose connections leave from `source`."""
    return httpx.AsyncClient(
        base_url=base_url, timeout=20, transport=httpx.AsyncHTTPTransport(local_address=source),
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
    )


async def announce(http: httpx.AsyncClient, registry, network: str, device: str) -> int:
    response = await http.post(f"/network/{network}/announce", json={"peerId": device, "signalAddress": registry.ws_url(device)})
    return response.status_code


def log_events(registry, event: str) -> list[dict]:
    events = []
    for line in registry.log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == event:
            events.append(entry.get("data", {}))
    return events


def test_http_per_ip_rate_limit_counts_each_client_behind_nginx(behind_nginx):
    # The announce limit keyed on the client address: 3 a minute per IP, whichever user sends them.
    registry, proxy = behind_nginx(edit_limits=lambda text: text.replace("key: user", "key: ip", 1), RATE_LIMIT_MAX_REQUESTS="3")

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        users = [f"user{i}{tag}" for i in range(8)]

        def via_nginx(source: str, user: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
            return client(proxy.http_url, source, registry.token(user), headers)

        # Client A uses up its budget through nginx, with a different user each time.
        for i in range(3):
            async with via_nginx(CLIENT_A, users[i]) as http:
                assert await announce(http, registry, network, f"peer_{users[i]}") == 200
        async with via_nginx(CLIENT_A, users[3]) as http:
            assert await announce(http, registry, network, f"peer_{users[3]}") == 429
        # (b) A spoofed X-Forwarded-For sent to nginx does not get A out of its bucket: nginx appends A's address and
        # the registry reads from the right.
        async with via_nginx(CLIENT_A, users[3], {"X-Forwarded-For": SPOOFED}) as http:
            assert await announce(http, registry, network, f"peer_{users[3]}") == 429
        # (a) Client B, behind the same nginx, has a budget of its own.
        async with via_nginx(CLIENT_B, users[4]) as http:
            assert await announce(http, registry, network, f"peer_{users[4]}") == 200
        # (c) Sent directly to the registry, from an address that is no trusted proxy, the header is ignored: a claim to
        # be A does not put C in A's exhausted bucket, and A cannot leave its own by claiming another address.
        async with client(registry.http_url, CLIENT_C, registry.token(users[5]), {"X-Forwarded-For": CLIENT_A}) as http:
            assert await announce(http, registry, network, f"peer_{users[5]}") == 200
        async with client(registry.http_url, CLIENT_A, registry.token(users[6]), {"X-Forwarded-For": SPOOFED}) as http:
            assert await announce(http, registry, network, f"peer_{users[6]}") == 429

    run(scenario())
    # (d) The request log names each real client, never the proxy or the spoofed address.
    addresses = [event.get("ip") for event in log_events(registry, "http request") if event.get("route") == "/network/:networkId/announce"]
    assert addresses.count(CLIENT_A) == 6 and addresses.count(CLIENT_B) == 1 and addresses.count(CLIENT_C) == 1, addresses
    assert PROXY not in addresses and SPOOFED not in addresses, addresses
    refused = [event.get("key") for event in log_events(registry, "rate limit exceeded")]
    assert refused == [f"ip:{CLIENT_A}"] * 3, refused


def test_signaling_per_ip_socket_cap_counts_each_client_behind_nginx(behind_nginx):
    registry, proxy = behind_nginx(limits={"websocket.maxConnectionsPerIP": "1"})

    async def scenario():
        tag = uid()
        network = f"net{tag}"
        apis = [Api(registry, f"user{i}{tag}") for i in range(6)]
        devices = [f"peer_user{i}_{tag}" for i in range(6)]
        for api, device in zip(apis, devices):
            response = await api.announce(network, device)
            assert response.status_code == 200, response.text

        async def open_socket(url: str, i: int, source: str, headers: dict[str, str] | None = None) -> Signaling:
            socket_ = await connect(url, additional_headers={"Authorization": f"Bearer {apis[i].token}", **(headers or {})},
                                    local_addr=(source, 0), open_timeout=10)
            return Signaling(socket_, devices[i])

        async def refused_code(url: str, i: int, source: str, headers: dict[str, str] | None = None) -> tuple[list, int | None]:
            signaling = await open_socket(url, i, source, headers)
            code = await signaling.wait_closed(15)
            frames = []
            while not signaling.frames.empty():
                frames.append(signaling.frames.get_nowait().get("code"))
            return frames, code

        # Client A holds its one socket through nginx; a second one from A is refused.
        a = await open_socket(proxy.ws_url(devices[0]), 0, CLIENT_A)
        await a.sync()
        assert await refused_code(proxy.ws_url(devices[1]), 1, CLIENT_A) == (["too_many_connections"], POLICY_VIOLATION)
        # (b) A spoofed X-Forwarded-For through nginx leaves A where it is.
        assert await refused_code(proxy.ws_url(devices[1]), 1, CLIENT_A, {"X-Forwarded-For": SPOOFED}) == (
            ["too_many_connections"], POLICY_VIOLATION)
        # (a) Client B, through the same nginx, is not refused because A is at its cap.
        b = await open_socket(proxy.ws_url(devices[2]), 2, CLIENT_B)
        await b.sync()
        # (c) Directly, from an untrusted address, the header is ignored: C claiming to be A is counted as C.
        c = await open_socket(registry.ws_url(devices[3]), 3, CLIENT_C, {"X-Forwarded-For": CLIENT_A})
        await c.sync()
        # Closing A's socket gives its place back: A connects again through nginx.
        await a.close()

        async def reconnected():
            try:
                socket_ = await open_socket(proxy.ws_url(devices[4]), 4, CLIENT_A)
            except Exception:  # noqa: BLE001 - a refused handshake is "not yet"
                return None
            try:
                await socket_.sync(5)
                return socket_
            except Exception:  # noqa: BLE001 - refused with 1008: the old place was not given back yet
                await socket_.close()
                return None

        again = await eventually(reconnected, timeout=15, what="client A's place given back after its socket closed")
        for socket_ in (again, b, c):
            await socket_.close()

    run(scenario())
    # (d) The logs name the real clients: `signaling connected` carries the forwarded address.
    connected = [event.get("ip") for event in log_events(registry, "signaling connected")]
    assert sorted(connected) == sorted([CLIENT_A, CLIENT_B, CLIENT_C, CLIENT_A]), connected
    limited = [event.get("ip") for event in log_events(registry, "connection limit exceeded")]
    assert len(limited) >= 2 and set(limited) == {CLIENT_A}, limited
