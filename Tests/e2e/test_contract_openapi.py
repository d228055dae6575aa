"""Contract testing: schemathesis against a live release server, with the OpenAPI 3.1 document the server serves.

schemathesis generates requests for every operation of `GET /openapi.json` (explicit examples, then the coverage
phase's boundary and invalid values for each rule of routes.yaml: patterns, lengths, enums, array bounds, missing
and null fields, then random ones) with a valid token, and checks every response against the document: no 5xx, a
documented status, content type, headers and body schema, auth not ignored, invalid data refused with a 4xx and
valid data accepted. The server runs on the embedded store with the announce rate limit and the invalid-token
throttle raised: both 429s are documented where they can occur (and conform), but a 429 for valid data would fail
the valid-data-accepted check.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema
import pytest

from conftest import Registry, _new_registry
from contract import printed_document

# The announce and ICE-servers limits and the invalid-token throttle raised for the run (schemathesis sends hundreds of
# requests), and /metrics public, so that every operation can answer 200 with the one token schemathesis sends. ICE
# servers configured, so that the TURN entry's shape (username, credential) is checked too.
ENV = {"RATE_LIMIT_MAX_REQUESTS": "1000000", "METRICS_TOKEN": "", "METRICS_PUBLIC": "true",
       "STUN_URLS": "stun:127.0.0.1:3478", "TURN_URLS": "turn:127.0.0.1:3478?transport=udp",
       "TURN_SECRET": "contract-turn-secret-0123456789abcdef"}
LIMITS = {"authThrottle.slowAfter": "1000000", "authThrottle.maxFailures": "0",
          "rateLimits.iceServers": "{ window: 1m, max: 1000000, key: user, message: Too many ICE server requests }"}
# Every check but the stateful ones (this API has no resources created by one operation and read by another's link).
EXCLUDED_CHECKS = "use_after_free,ensure_resource_availability,object_level_authorization"


@pytest.fixture(scope="module")
def server(request, log_dir):
    """One embedded-store server for the module, with ENV and LIMITS."""
    registry = _new_registry(request, "embedded", log_dir, ENV, LIMITS)
    yield registry
    assert registry.stop() == 0, registry.log_tail()


def test_printed_and_served_documents_are_the_same(server: Registry):
    """`registry openapi` prints the document `GET /openapi.json` serves, for the same files and environment."""
    served = httpx.get(f"{server.http_url}/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json; charset=utf-8"
    env = {**server.env, "PORT": str(server.http_port), "SIGNALING_PORT": str(server.ws_port)}
    assert printed_document("openapi", server.config_dir, env) == served.json()


def test_schemathesis_finds_no_server_error_and_no_nonconforming_answer(server: Registry, tmp_path):
    # A device of the token's user, so the listing, lookup and drain operations also answer with content.
    token = server.token("contract-user")
    announce = httpx.post(f"{server.http_url}/network/contract1/announce", timeout=10,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"peerId": "peer_contract_1", "signalAddress": "wss://signal.example.com/peer_contract_1"})
    assert announce.status_code == 200, announce.text
    document = httpx.get(f"{server.http_url}/openapi.json", timeout=10).json()
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{server.http_url}/openapi.json",
        "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
        "--phases", "examples,coverage,fuzzing",
        "--mode", "all",
        "--max-examples", "40",
        "--seed", "23",
        "--workers", "2",
        "--request-timeout", "10",
        "--suppress-health-check", "all",
        "--header", f"Authorization: Bearer {token}",
        "--report", "har", "--report-dir", str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"})
    output = f"{run.stdout[-12000:]}\n{run.stderr[-4000:]}"
    assert run.returncode == 0, f"schemathesis failed:\n{output}"
    assert "Authentication failed" not in run.stdout, f"the token was refused:\n{output}"
    assert server.is_running(), server.log_tail()
    exchanges = json.loads(next(tmp_path.glob("har-*.json")).read_text())["log"]["entries"]
    assert_every_operation_succeeded_and_every_rule_was_broken(document, exchanges)
    # Leaving succeeds only for a device the token's user announced in that network, which generated ids never name:
    # its 2xx is sent here and checked against the document's declared answer.
    left = httpx.delete(f"{server.http_url}/network/contract1/devices/peer_contract_1", timeout=10,
                        headers={"Authorization": f"Bearer {token}"})
    assert left.status_code == 200, left.text
    declared = document["paths"][LEAVE[1]]["delete"]["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.validate(left.json(), {**declared, "components": document.get("components", {})})


# `DELETE /network/:networkId/devices/:deviceId` answers 2xx only for the caller's own announced device.
LEAVE = ("DELETE", "/network/{networkId}/devices/{deviceId}")


def assert_every_operation_succeeded_and_every_rule_was_broken(document: dict[str, Any], exchanges: list[dict]) -> None:
    """Each operation answered a 2xx at least once, and each field with a rule (path parameters, query items, body
    keys) failed validation at least once: the generated requests reached every validator and got past them all."""
    patterns = {(method.upper(), path): path_pattern(path) for path, item in document["paths"].items() for method in item}
    succeeded: set[tuple[str, str]] = set()
    broken: set[tuple[str, str, str]] = set()
    for exchange in exchanges:
        method, url = exchange["request"]["method"], urlsplit(exchange["request"]["url"]).path
        operation = next((key for key, pattern in patterns.items() if key[0] == method and pattern.match(url)), None)
        if operation is None:
            continue
        status = exchange["response"]["status"]
        if 200 <= status < 300:
            succeeded.add(operation)
        if status == 400:
            body = json.loads(exchange["response"]["content"].get("text") or "{}")
            for error in body.get("errors", []):
                broken.add((operation[1], error["location"], error["path"].split("[")[0]))
    # schemathesis does not call the URL it loaded the document from; leaving is checked by the caller.
    expected = set(patterns) - {("GET", "/openapi.json"), LEAVE}
    assert succeeded == expected, f"operations never answered 2xx: {expected - succeeded}"
    ruled = set()
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("path", "query") and len(parameter["schema"]) > 1:
                    ruled.add((path, "params" if parameter["in"] == "path" else "query", parameter["name"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ruled |= {(path, "body", name) for name in body.get("properties", {})}
    assert ruled and ruled <= broken, f"rules never broken: {ruled - broken}"


def path_pattern(path: str) -> re.Pattern[str]:
    """`/network/{networkId}/peers` as a regular expression matching its request paths."""
    return re.compile("^" + "/".join("[^/]+" if part.startswith("{") else re.escape(part) for part in path.split("/")) + "$")
