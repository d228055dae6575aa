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
# /metrics is refused without a token (or METRICS_PUBLIC / METRICS_PORT); the suite scrapes with this one.
METRICS_TOKEN = "e2e-metrics-token-0123456789abcdef"

# Short intervals: a device is offline 3 s after its last sign of life, swept and re-elected every 500 ms.
BASE_ENV = {
    "HOST": "127.0.0.1",
    "JWT_SECRET": SECRET,
    "METRICS_TOKEN": METRICS_TOKEN,
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
        # MONGOECO_STDERR names a file for its standard error (SIGUSR1 writes its pending tasks there).
        errors = open(os.environ["MONGOECO_STDERR"], "ab") if os.environ.get("MONGOECO_STDERR") else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "mongoeco_server.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, cwd=ROOT,
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


def patch_limits(text: str, values: dict[str, str]) -> str:
    """limits.yaml with `section.key` values replaced (or added at the end of their section), e.g.
    `{"websocket.maxConnectionsPerUser": "2"}`. The keys of the bounds are plain scalars on lines of their own."""
    lines = text.splitlines()
    for dotted, value in values.items():
        section, key = dotted.split(".", 1)
        start = next(i for i, line in enumerate(lines) if line.split("#")[0].rstrip() == f"{section}:")
        end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace() and not lines[i].startswith("#")), len(lines))
        for i in range(start + 1, end):
            if lines[i].strip().startswith(f"{key}:") and lines[i].startswith("  ") and not lines[i].startswith("   "):
                lines[i] = f"  {key}: {value}"
                break
        else:
            lines.insert(end, f"  {key}: {value}")
    return "\n".join(lines) + "\n"


def patch_routes(text: str, replacements: dict[str, str]) -> str:
    """routes.yaml with each text `old` replaced by `new`, e.g. `{"credentialTtl: 10m": "credentialTtl: 2s"}`; each
    `old` must occur."""
    for old, new in replacements.items():
        assert old in text, f"routes.yaml has no {old!r}"
        text = text.replace(old, new)
    return text


class Registry:
    """One `registry serve` process; `restart()` starts it again with the same environment (new ports).

    `limits` overrides values of limits.yaml (`{"websocket.maxConnectionsPerUser": "2"}`) and `routes` replaces text in
    routes.yaml (`{"credentialTtl: 10m": "credentialTtl: 2s"}`): the server then reads a copy of the three files from a
    directory of its own."""

    def __init__(self, backend: str, env: dict[str, str], log_dir: Path, mongo: MongoEco | None,
                 limits: dict[str, str] | None = None, routes: dict[str, str] | None = None) -> None:
        self.backend = backend
        self.env = {**BASE_ENV, **env}
        self.config_dir = ROOT
        if limits or routes:
            self.config_dir = log_dir / f"config-{uuid.uuid4().hex[:8]}"
            self.config_dir.mkdir()
            (self.config_dir / "jobs.yaml").write_text((ROOT / "jobs.yaml").read_text())
            (self.config_dir / "routes.yaml").write_text(patch_routes((ROOT / "routes.yaml").read_text(), routes or {}))
            (self.config_dir / "limits.yaml").write_text(patch_limits((ROOT / "limits.yaml").read_text(), limits or {}))
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

    def start(self, ports: tuple[int, int] | None = None) -> None:
        """Starts the server on free ports, or on `ports` (HTTP, signaling): the ones it had, for clients that reconnect."""
        last_error = ""
        for _attempt in range(3):  # a picked port may be taken by someone else in between: try new ones
            self.http_port, self.ws_port = ports or (free_port(), free_port())
            if self.http_port == self.ws_port:
                continue
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.env,
                   "PORT": str(self.http_port), "SIGNALING_PORT": str(self.ws_port)}
            self.log_path = self.log_dir / f"registry-{self.backend}-{uuid.uuid4().hex[:8]}.log"
            log = open(self.log_path, "wb")
            self.process = subprocess.Popen(
                [str(BINARY), "serve", "--config-dir", str(self.config_dir)], cwd=ROOT, env=env,
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

    def restart(self, same_ports: bool = False) -> None:
        code = self.stop()
        assert code == 0, f"registry exited {code} on SIGTERM:\n{self.log_tail()}"
        self.start((self.http_port, self.ws_port) if same_ports else None)

    def is_running(self) -> bool:
        return self.process.poll() is None

    def rss_kib(self) -> int:
        """The server process's resident set size in KiB (Linux /proc)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS in /proc status")

    @property
    def metrics_headers(self) -> dict[str, str]:
        """The headers a scrape of /metrics needs (the suite's METRICS_TOKEN)."""
        return {"Authorization": f"Bearer {self.env['METRICS_TOKEN']}"}

    def metric(self, name: str, labels: str = "") -> float:
        """One series of /metrics (0 when absent), e.g. metric("auth_throttled_total", 'action="blocked",transport="http"')."""
        text = httpx.get(f"{self.http_url}/metrics", headers=self.metrics_headers, timeout=10).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith("#") or not line.startswith(name):
                continue
            series, _, value = line.rpartition(" ")
            if series == name or (series.startswith(name + "{") and all(part in series for part in labels.split(",") if part)):
                total += float(value)
        return total

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
    """The servers' logs and configuration copies: a temporary directory, or E2E_KEEP_LOGS (kept, for debugging)."""
    kept = os.environ.get("E2E_KEEP_LOGS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        yield Path(kept)
        return
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


def _new_registry(request, backend: str, log_dir: Path, env: dict[str, str], limits: dict[str, str] | None = None,
                  routes: dict[str, str] | None = None) -> Registry:
    mongo = request.getfixturevalue("mongoeco") if backend == "mongodb" else None
    return Registry(backend, env, log_dir, mongo, limits, routes)


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
    """Starts a dedicated server with extra environment: `start_registry(MIN_COORDINATORS_PER_NETWORK="3")`, limits.yaml
    overrides: `start_registry(limits={"websocket.maxConnectionsPerUser": "2"})`, and routes.yaml text replacements:
    `start_registry(routes={"credentialTtl: 10m": "credentialTtl: 2s"})`."""
    started: list[Registry] = []

    def start(limits: dict[str, str] | None = None, routes: dict[str, str] | None = None, **env: str) -> Registry:
        server = _new_registry(request, backend, log_dir, env, limits, routes)
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
