"""Requests for scripts/callgrind-ab.sh, on one keep-alive connection (standard library only).

usage: callgrind_drive.py PORT SECRET PHASE COUNT [DEVICES]
  seed    COUNT devices announced in network `cg` by COUNT users
  peers   COUNT GET /network/cg/peers (200s)
  peers304 COUNT GET /network/cg/peers with If-None-Match (304s)
  announce COUNT re-announces of the seeded devices (round robin)
  healthz COUNT GET /healthz
Prints the statuses seen as JSON; exits 1 if any is not the expected one.
"""

import base64
import hashlib
import hmac
import http.client
import json
import sys


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_tokens: dict[str, str] = {}


def token(secret: str, user: str) -> str:
    """One token per user, as a client keeps it (the server remembers tokens it verified)."""
    if user in _tokens:
        return _tokens[user]
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    # A fixed expiry (2100): the same user gets the same token in every run of this script, as a client keeps it.
    payload = b64(json.dumps({"id": user, "exp": 4102444800}).encode())
    signature = b64(hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    _tokens[user] = f"{header}.{payload}.{signature}"
    return _tokens[user]


def announce(index: int, secret: str) -> tuple[str, str, str, dict[str, str]]:
    body = json.dumps({"peerId": f"peer_cg_{index}", "signalAddress": f"wss://signal.example.com/{index}", "capabilities": ["relay"]})
    headers = {"Authorization": "Bearer " + token(secret, f"cg_u{index}"), "Content-Type": "application/json"}
    return "POST", "/network/cg/announce", body, headers


def main() -> int:
    port, secret, phase, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    devices = int(sys.argv[5]) if len(sys.argv) > 5 else count
    connection = http.client.HTTPConnection("127.0.0.1", port)
    reader = {"Authorization": "Bearer " + token(secret, "cg_reader")}
    if phase in ("seed", "announce"):
        requests = [announce(index % devices, secret) for index in range(count)]
        expected = 200
    elif phase == "healthz":
        requests = [("GET", "/healthz", None, {})] * count
        expected = 200
    elif phase in ("peers", "peers304"):
        connection.request("GET", "/network/cg/peers", headers=reader)
        first = connection.getresponse()
        first.read()
        headers = dict(reader)
        if phase == "peers304":
            headers["If-None-Match"] = first.getheader("ETag") or ""
        requests = [("GET", "/network/cg/peers", None, headers)] * count
        expected = 304 if phase == "peers304" else 200
    else:
        print(f"unknown phase {phase}", file=sys.stderr)
        return 2
    statuses: dict[int, int] = {}
    for method, path, body, headers in requests:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
    print(json.dumps(statuses))
    return 0 if set(statuses) == {expected} else 1


if __name__ == "__main__":
    sys.exit(main())
