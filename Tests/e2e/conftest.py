"""Fixtures of the end-to-end suite: the released `registry` binary as a process, on both stores.

The suite builds nothing: `scripts/test.sh` runs `swift build -c release --product registry` first
(`REGISTRY_BINARY=/path/to/registry` runs it against another build). Each server is started on free
loopback ports with a test secret and short intervals, waited for by polling `/readyz` with a deadline,
and stopped with SIGTERM at the end (it must exit 0). The MongoDB backend runs against mongoeco
(`scripts/mongoeco_server.py`), one process for the session, one database per server.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest

import helpers

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("REGISTRY_BINARY", ROOT / ".build" / "release" / "registry"))
SECRET = "e2e-test-secret-0123456789abcdef0123456789abcdef"

# Short intervals: a device is offline 3 s after its last sign of life, swept and re-elected every 500 ms.
BASE_ENV = {
    "HOST": "127.0.0.1",
    "JWT_SECRET": SECRET,
    "DEVICE_TTL_MINUTES": "0.05",
    "PRESENCE_CLEANUP_INTERVAL": "500",
    "COORDINATOR_CHECK_INTERVAL": "500",
    "MIN_COORDINATORS_PER_NETWORK": "2",
    "RATE_LIMIT_MAX_REQUESTS": "12",
}

BACKENDS = ["embedded", "mongodb"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MongoEco:
    """scripts/mongoeco_server.py on a free loopback port; stops on stdin EOF or SIGTERM."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "mongoeco_server.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"mongoeco did not start (output {line!r})")
            ready, _, _ = select.select([self.process.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 1)
                if not chunk:
                    continue
                line += chunk
        text = line.decode().strip()
        assert text.startswith("port="), text
        self.port = int(text.split("=", 1)[1])
        self.uri = f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Registry:
    """One `registry serve` process; `restart()` starts it again with the same environment (new ports)."""

    def __init__(self, backend: str, env: dict[str, str], log_dir: Path, mongo: MongoEco | None) -> None:
        self.backend = backend
        self.env = {**BASE_ENV, **env}
        if backend == "mongodb":
            assert mongo is not None
            self.env.setdefault("MONGODB_URI", mongo.uri)
            self.env.setdefault("MONGODB_DB_NAME", f"e2e_{uuid.uuid4().hex[:12]}")
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.exit_codes: list[int] = []
        self._tokens: dict[tuple, str] = {}
        self.start()

    # -- process

    def start(self) -> None:
        last_error = ""
        for _attempt in range(3):  # a picked port may be taken by someone else in between: try new ones
            self.http_port, self.ws_port = free_port(), free_port()
            if self.http_port == self.ws_port:
                continue
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.env,
                   "PORT": str(self.http_port), "SIGNALING_PORT": str(self.ws_port)}
            self.log_path = self.log_dir / f"registry-{self.backend}-{uuid.uuid4().hex[:8]}.log"
            log = open(self.log_path, "wb")
            self.process = subprocess.Popen(
                [str(BINARY), "serve", "--config-dir", str(ROOT)], cwd=ROOT, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
            log.close()
            if self._wait_ready(deadline=time.monotonic() + 60):
                return
            last_error = self.log_tail()
            self._terminate()
        raise RuntimeError(f"registry did not become ready:\n{last_error}")

    def _wait_ready(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                ready = httpx.get(f"{self.http_url}/readyz", timeout=2).status_code == 200
                with socket.create_connection(("127.0.0.1", self.ws_port), timeout=2):
                    pass
                if ready:
                    return True
            except (httpx.HTTPError, OSError):
                pass
            time.sleep(0.05)
        return False

    def _terminate(self) -> int:
        process = self.process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def stop(self) -> int:
        """SIGTERM and wait; returns (and records) the exit status."""
        code = self._terminate()
        self.exit_codes.append(code)
        return code

    def restart(self) -> None:
        code = self.stop()
        assert code == 0, f"registry exited {code} on SIGTERM:\n{self.log_tail()}"
        self.start()

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def device_documents(self, device_ids: list[str]) -> list[dict]:
        """The stored device documents (MongoDB backend only), read with pymongo (installed with mongoeco)."""
        import pymongo

        with pymongo.MongoClient(self.env["MONGODB_URI"], serverSelectionTimeoutMS=10000) as client:
            return list(client[self.env["MONGODB_DB_NAME"]]["devices"].find({"deviceId": {"$in": device_ids}}))

    # -- addresses and credentials

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def ws_url(self, device_id: str) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/signaling/{device_id}"

    def token(self, user: str, networks: list[str] | None = None, ttl: str | None = None) -> str:
        """A JWT from the binary's own `registry token` command."""
        key = (user, tuple(networks or ()), ttl)
        if key not in self._tokens:
            args = [str(BINARY), "token", "--user", user]
            for network in networks or []:
                args += ["--network", network]
            if ttl:
                args += ["--ttl", ttl]
            out = subprocess.run(args, cwd=ROOT, env={"PATH": os.environ.get("PATH", ""), "JWT_SECRET": SECRET},
                                 capture_output=True, text=True, timeout=30, check=True)
            self._tokens[key] = out.stdout.strip().splitlines()[-1]
        return self._tokens[key]


def pytest_configure(config):
    if not BINARY.is_file() or not os.access(BINARY, os.X_OK):
        raise pytest.UsageError(f"no registry binary at {BINARY}; run `swift build -c release --product registry` first")


@pytest.fixture(scope="session")
def log_dir():
    with tempfile.TemporaryDirectory(prefix="registry-e2e-") as directory:
        yield Path(directory)


@pytest.fixture(scope="session")
def mongoeco():
    server = MongoEco()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


def _new_registry(request, backend: str, log_dir: Path, env: dict[str, str]) -> Registry:
    mongo = request.getfixturevalue("mongoeco") if backend == "mongodb" else None
    return Registry(backend, env, log_dir, mongo)


@pytest.fixture(scope="session")
def registry(request, backend, log_dir):
    """The shared server of a backend, with BASE_ENV; tests keep apart by unique users, devices and networks."""
    server = _new_registry(request, backend, log_dir, {})
    yield server
    running = server.is_running()
    code = server.stop()
    assert running, f"the registry died during the suite:\n{server.log_tail()}"
    assert code == 0, f"registry exited {code} on SIGTERM:\n{server.log_tail()}"


@pytest.fixture
def start_registry(request, backend, log_dir):
    """Starts a dedicated server with extra environment: `start_registry(MIN_COORDINATORS_PER_NETWORK="3")`."""
    started: list[Registry] = []

    def start(**env: str) -> Registry:
        server = _new_registry(request, backend, log_dir, env)
        started.append(server)
        return server

    start.started = started  # for the failure report
    yield start
    for server in started:
        if server.process.poll() is None:
            code = server.stop()
            assert code == 0, f"registry exited {code} on SIGTERM:\n{server.log_tail()}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, attach the tail of the servers' logs to the report."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        funcargs = getattr(item, "funcargs", {})
        servers = [funcargs.get("registry")] + list(getattr(funcargs.get("start_registry"), "started", []))
        for server in servers:
            if isinstance(server, Registry):
                report.sections.append((f"registry log ({server.backend}, port {server.http_port})", server.log_tail()))


helpers.limit_ice_to_loopback()
