"""ICE servers with TURN credentials, proven against a real TURN server.

coturn (Debian's package, installed by `scripts/install-deps.sh --test`) runs on loopback in coturn's REST scheme
(`--use-auth-secret --static-auth-secret=TURN_SECRET`), in the foreground, without TLS, a configuration file or its
CLI, as the user running the suite (root in CI: no `--proc-user`, so it keeps that user). The registry is started with
`STUN_URLS`, `TURN_URLS` and `TURN_SECRET` pointing at it. An aiortc peer given the answer of
`GET /network/:networkId/ice-servers` gathers a `relay` candidate from coturn, and data sent through an allocation made
with those credentials arrives from the relayed address; coturn refuses (401) a credential past its expiry and one
signed with another secret.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from aioice import stun, turn
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

from helpers import Api, run, uid

TURN_SECRET = "e2e-turn-secret-0123456789abcdef"


def free_udp_and_tcp_port() -> int:
    """A loopback port free for both UDP and TCP (coturn listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP")


def answers_binding(port: int) -> bool:
    """True when a STUN Binding request to 127.0.0.1:port is answered within 0.2 s."""
    request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(0.2)
        udp.sendto(bytes(request), ("127.0.0.1", port))
        try:
            data, _ = udp.recvfrom(2048)
        except OSError:
            return False
    return stun.parse_message(data).transaction_id == request.transaction_id


class Coturn:
    """`turnserver` on a free loopback port with `static-auth-secret`, its state and log in a directory of its own."""

    def __init__(self, secret: str) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="coturn-e2e-"))
        self.port = free_udp_and_tcp_port()
        self.log = self.directory / "turnserver.log"
        self.process = subprocess.Popen(
            [
                shutil.which("turnserver"), "-n",  # no configuration file
                "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1", "--listening-port", str(self.port),
                "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
                "--use-auth-secret", f"--static-auth-secret={secret}", "--realm", "registry.e2e",
                "--pidfile", str(self.directory / "turnserver.pid"), "--db", str(self.directory / "turndb"),
                "--log-file", str(self.log), "--simple-log",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while not answers_binding(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"turnserver did not start (exit {self.process.returncode}):\n{self.log_tail()}")
            time.sleep(0.05)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def coturn():
    if shutil.which("turnserver") is None:
        message = "coturn is not installed (scripts/install-deps.sh --test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = Coturn(TURN_SECRET)
    yield server
    server.stop()


def ice_environment(coturn: Coturn, secret: str = TURN_SECRET) -> dict[str, str]:
    return {
        "STUN_URLS": f"stun:127.0.0.1:{coturn.port}",
        "TURN_URLS": f"turn:127.0.0.1:{coturn.port}?transport=udp",
        "TURN_SECRET": secret,
    }


def turn_entry(answer: dict) -> dict:
    entries = [entry for entry in answer["iceServers"] if "username" in entry]
    assert len(entries) == 1, answer
    return entries[0]


async def allocate_and_relay(port: int, username: str, credential: str) -> tuple[str, int]:
    """Allocates a relay on coturn with these credentials and sends a datagram through it to a local socket; returns
    the relayed address it arrived from. Raises `stun.TransactionFailed` when coturn refuses the allocation."""
    loop = asyncio.get_running_loop()
    arrived: asyncio.Future = loop.create_future()

    class Sink(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            if not arrived.done():
                arrived.set_result((data, addr))

    sink, _ = await loop.create_datagram_endpoint(Sink, local_addr=("127.0.0.1", 0))
    transport, _ = await turn.create_turn_endpoint(
        asyncio.DatagramProtocol, server_addr=("127.0.0.1", port), username=username, password=credential,
        lifetime=60, transport="udp",
    )
    try:
        relayed = transport.get_extra_info("sockname")
        assert relayed[0] == "127.0.0.1", relayed
        transport.sendto(b"through the relay", sink.get_extra_info("sockname"))
        data, source = await asyncio.wait_for(arrived, 10)
        assert data == b"through the relay"
        assert source == relayed, (source, relayed)
        return relayed
    finally:
        transport.close()
        sink.close()


async def refusal(port: int, username: str, credential: str) -> tuple:
    """coturn's error code for an allocation with these credentials (it must refuse)."""
    with pytest.raises(stun.TransactionFailed) as refused:
        await allocate_and_relay(port, username, credential)
    return refused.value.response.attributes["ERROR-CODE"]


async def gathered_candidate_types(answer: dict) -> list[str]:
    """The candidate types an aiortc peer configured with the answer's ICE servers gathers."""
    servers = [RTCIceServer(urls=entry["urls"], username=entry.get("username"), credential=entry.get("credential"))
               for entry in answer["iceServers"]]
    pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
    try:
        pc.createDataChannel("probe")
        await pc.setLocalDescription(await pc.createOffer())
        return [line.split(" typ ")[1].split()[0] for line in pc.localDescription.sdp.splitlines()
                if line.startswith("a=candidate:")]
    finally:
        await pc.close()


def test_an_aiortc_peer_gathers_a_relay_candidate_with_the_registrys_credentials(start_registry, coturn):
    registry = start_registry(**ice_environment(coturn))

    async def scenario():
        user = f"alice{uid()}"
        api = Api(registry, user)
        try:
            answer = await api.ice_servers(f"net{uid()}")
        finally:
            await api.close()
        assert answer["ttl"] == 600
        assert answer["iceServers"][0] == {"urls": [f"stun:127.0.0.1:{coturn.port}"]}
        entry = turn_entry(answer)
        assert entry["urls"] == [f"turn:127.0.0.1:{coturn.port}?transport=udp"]
        expiry, _, named = entry["username"].partition(":")
        assert named == user
        assert 590 <= int(expiry) - time.time() <= 600, entry["username"]
        types = await gathered_candidate_types(answer)
        assert "relay" in types, f"no relay candidate gathered ({types}); coturn log:\n{coturn.log_tail()}"
        # The same credentials allocate a relay that carries data.
        await allocate_and_relay(coturn.port, entry["username"], entry["credential"])

    run(scenario(), timeout=60)


def test_coturn_refuses_expired_credentials_and_another_secrets(start_registry, coturn):
    short_lived = start_registry(routes={"credentialTtl: 10m": "credentialTtl: 2s"}, **ice_environment(coturn))
    foreign = start_registry(**ice_environment(coturn, secret="another-secret-0123456789abcdef"))

    async def scenario():
        network = f"net{uid()}"
        apis = [Api(short_lived, f"alice{uid()}"), Api(foreign, f"mallory{uid()}")]
        try:
            expiring, signed_elsewhere = [await api.ice_servers(network) for api in apis]
        finally:
            for api in apis:
                await api.close()
        assert expiring["ttl"] == 2
        entry = turn_entry(expiring)
        # Valid until its expiry: coturn allocates with it.
        await allocate_and_relay(coturn.port, entry["username"], entry["credential"])
        # Past its expiry (a whole second past, as coturn's clock has one-second steps) the same credential is refused.
        expiry = int(entry["username"].split(":", 1)[0])
        await asyncio.sleep(max(0.0, expiry + 1.2 - time.time()))
        assert await refusal(coturn.port, entry["username"], entry["credential"]) == (401, "Unauthorized")
        # A credential signed with another secret is refused, and an aiortc peer gathers no relay candidate with it.
        foreign_entry = turn_entry(signed_elsewhere)
        assert int(foreign_entry["username"].split(":", 1)[0]) > time.time() + 500
        assert await refusal(coturn.port, foreign_entry["username"], foreign_entry["credential"]) == (401, "Unauthorized")
        types = await gathered_candidate_types(signed_elsewhere)
        assert "host" in types and "relay" not in types, types

    run(scenario(), timeout=60)
