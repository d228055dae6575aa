"""The signaling frames against their published schema (`registry asyncapi`, AsyncAPI 3.0).

Every kind of frame goes through a real server: offer, answer and ice-candidate, live and from the queue, the error
frames a client can provoke, the error frame of a refused connection, and the added presence frames (subscribe,
state, diff), delivery receipts and the session_hello / session_welcome handshake. Each frame the server sends must be valid
against the schema of one message of the document's `send` operation (and of the one that names its kind), each frame
a client sends that the server accepts must be valid against the `receive` operation's messages, and each one it
refuses as malformed must be invalid against them: the parser and the schema agree. The close codes seen are in the
channel's table, and the error codes in the schema are the ones docs/protocol.md lists.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from websockets.exceptions import ConnectionClosed

from conftest import ROOT
from contract import printed_document
from helpers import Api, Signaling, announced, eventually, open_socket, run, uid


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    return printed_document("asyncapi")


class Frames:
    """The document's messages of one channel, by direction, as JSON Schema validators."""

    def __init__(self, document: dict[str, Any], channel: str = "signaling") -> None:
        self.document = document
        self.channel = document["channels"][channel]
        messages = document["components"]["messages"]

        def resolve(reference: str) -> dict[str, Any]:
            name = reference.split("/")[-1]
            return messages[self.channel["messages"][name]["$ref"].split("/")[-1]]

        def validators(action: str) -> dict[str, jsonschema.protocols.Validator]:
            operation = next(op for op in document["operations"].values()
                             if op["action"] == action and op["channel"]["$ref"] == f"#/channels/{channel}")
            found = {}
            for reference in operation["messages"]:
                message = resolve(reference["$ref"])
                jsonschema.Draft202012Validator.check_schema(message["payload"])
                found[message["name"]] = jsonschema.Draft202012Validator(message["payload"])
            return found

        self.receives = validators("receive")
        self.sends = validators("send")

    def check_sent(self, frame: dict[str, Any], kind: str) -> None:
        """`frame`, sent by the server, is a valid `kind` message (and so a valid message of the send operation)."""
        errors = [error.message for error in self.sends[kind].iter_errors(frame)]
        assert not errors, f"server frame {frame} is not a valid {kind}: {errors}"

    def client_frame_is_valid(self, frame: Any) -> bool:
        return any(validator.is_valid(frame) for validator in self.receives.values())


async def _pair(registry: Any) -> tuple[Api, Signaling, Api, Signaling, str, str, str]:
    network = f"net{uid()}"
    alice, bob = Api(registry, f"alice{uid()}"), Api(registry, f"bob{uid()}")
    a, b = f"peer_a{uid()}", f"peer_b{uid()}"
    await announced(alice, network, a)
    await announced(bob, network, b)
    return alice, await Signaling.open(registry, a, alice.token), bob, await Signaling.open(registry, b, bob.token), a, b, network


PAYLOADS = {
    "offer": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"},
    "answer": {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"},
    "ice-candidate": {"candidate": "candidate:1 1 UDP 2122252543 127.0.0.1 49203 typ host", "sdpMid": "0", "sdpMLineIndex": 0},
}


def test_relayed_and_queued_messages_match_the_schema(registry, asyncapi):
    frames = Frames(asyncapi)
    assert set(frames.receives) == set(PAYLOADS) | {"presence_subscribe", "presence_unsubscribe", "session_hello"}

    async def scenario() -> None:
        alice, a_socket, bob, b_socket, a, b, network = await _pair(registry)
        try:
            for kind, data in PAYLOADS.items():
                frame = {"type": kind, "toPeerId": b, "data": data}
                assert frames.receives[kind].is_valid(frame)
                await a_socket.send(frame)
                received = await b_socket.next()
                frames.check_sent(received, f"relayed-{kind}")
                assert (received["type"], received["fromPeerId"], received["data"]) == (kind, a, data)
            # From the queue: bob's device is offline, the messages wait, and come on connect.
            await b_socket.close()
            for kind, data in PAYLOADS.items():
                await a_socket.signal(kind, b, data)
            await a_socket.sync()
            b_again = await Signaling.open(registry, b, bob.token)
            for kind in PAYLOADS:
                frames.check_sent(await b_again.next(), f"relayed-{kind}")
            # The same device connects again: the older socket closes with 4000, as the channel's table says.
            b_third = await Signaling.open(registry, b, bob.token)
            assert await b_again.wait_closed() == 4000
            assert "| 4000 | `replaced` |" in frames.channel["description"]
            await b_third.close()
        finally:
            await a_socket.close()
            await alice.close()
            await bob.close()

    run(scenario())


def test_error_frames_match_the_schema_and_the_parser_agrees_with_it(registry, asyncapi):
    frames = Frames(asyncapi)

    async def scenario() -> None:
        alice, a_socket, bob, b_socket, a, b, network = await _pair(registry)
        stranger = Api(registry, f"carol{uid()}")
        elsewhere = f"peer_c{uid()}"
        await announced(stranger, f"other{uid()}", elsewhere)
        unannounced = f"peer_d{uid()}"
        d_socket = await Signaling.open(registry, unannounced, alice.token)
        try:
            # Refused by the parser: each is invalid against every message the client may send.
            malformed: list[tuple[Any, str]] = [
                ("not json", "invalid_json"),
                ([1, 2], "invalid_json"),
                ({"type": "offer", "toPeerId": b}, "invalid_message"),
                ({"type": "offer", "toPeerId": b, "data": None}, "invalid_message"),
                ({"type": "hello", "toPeerId": b, "data": {}}, "unknown_type"),
                ({"type": "offer", "toPeerId": "bob", "data": {}}, "invalid_message"),
                ({"type": "offer", "toPeerId": "peer_" + "x" * 96, "data": {}}, "invalid_message"),
            ]
            for frame, code in malformed:
                assert not frames.client_frame_is_valid(frame), f"the schema accepts {frame!r}, which the server refuses"
                await a_socket.send(frame)
                answer = await a_socket.expect_error(code)
                frames.check_sent(answer, "error")
            # Valid frames the server refuses for the state of the network, not their shape.
            refused: list[tuple[Signaling, dict, str]] = [
                (a_socket, {"type": "offer", "toPeerId": elsewhere, "data": {}}, "not_in_network"),
                (d_socket, {"type": "offer", "toPeerId": b, "data": {}}, "not_announced"),
            ]
            for socket, frame, code in refused:
                assert frames.client_frame_is_valid(frame)
                await socket.send(frame)
                frames.check_sent(await socket.expect_error(code), "error")
            await a_socket.send(b"\x00binary")
            frames.check_sent(await a_socket.expect_error("unsupported_frame"), "error")
            await a_socket.send('{"type":"offer","toPeerId":"%s","data":"%s"}' % (b, "x" * 70_000))
            frames.check_sent(await a_socket.expect_error("message_too_large"), "error")
        finally:
            for socket in (a_socket, b_socket, d_socket):
                await socket.close()
            for api in (alice, bob, stranger):
                await api.close()

    run(scenario())


def test_a_refused_connection_sends_the_documented_frame_and_close_code(start_registry, backend, asyncapi):
    if backend != "embedded":
        pytest.skip("the connection limits are the engine's, the same on both stores")
    registry = start_registry(limits={"websocket.maxConnectionsPerUser": "1"})
    frames = Frames(asyncapi)
    table = frames.channel["description"]

    async def scenario() -> None:
        api = Api(registry, f"erin{uid()}")
        network = f"net{uid()}"
        first, second = f"peer_e{uid()}", f"peer_f{uid()}"
        await announced(api, network, first)
        await announced(api, network, second)
        kept = await Signaling.open(registry, first, api.token)
        socket = await open_socket(registry, second, api.token)
        try:
            frame = json.loads(await socket.recv())
            frames.check_sent(frame, "connectionRefused")
            assert frame["code"] == "too_many_connections"
            try:
                await socket.recv()
            except ConnectionClosed:
                pass
            assert socket.close_code == 1008 and "| 1008 |" in table
        finally:
            await kept.close()
            await socket.close()
            await api.close()

    run(scenario())


def test_a_rate_limited_message_gets_the_documented_error_frame(start_registry, backend, asyncapi):
    if backend != "embedded":
        pytest.skip("the socket's message rate is the engine's, the same on both stores")
    registry = start_registry(SIGNALING_MESSAGES_PER_SECOND="1", SIGNALING_MESSAGE_BURST="1")
    frames = Frames(asyncapi)

    async def scenario() -> None:
        alice, a_socket, bob, b_socket, a, b, network = await _pair(registry)
        try:
            # One message a second, bursts of one: of five sent at once, the later ones are over the rate, and the
            # sender gets nothing but their error frames.
            frame = {"type": "offer", "toPeerId": b, "data": PAYLOADS["offer"]}
            assert frames.client_frame_is_valid(frame)
            for _ in range(5):
                await a_socket.send(frame)
            frames.check_sent(await a_socket.expect_error("rate_limited"), "error")
        finally:
            for socket in (a_socket, b_socket):
                await socket.close()
            for api in (alice, bob):
                await api.close()

    run(scenario())


@pytest.mark.parametrize("limit, code, close_code", [
    ("websocket.connectsPerMinutePerUser", "too_many_connects", 1008),
    ("websocket.maxConnections", "server_full", 1013),
])
def test_each_connection_refusal_sends_the_documented_frame_and_close_code(start_registry, backend, asyncapi, limit, code, close_code):
    if backend != "embedded":
        pytest.skip("the connection limits are the engine's, the same on both stores")
    registry = start_registry(limits={limit: "1"})
    frames = Frames(asyncapi)
    table = frames.channel["description"]

    async def scenario() -> None:
        api = Api(registry, f"fay{uid()}")
        network = f"net{uid()}"
        first, second = f"peer_f{uid()}", f"peer_g{uid()}"
        await announced(api, network, first)
        await announced(api, network, second)
        kept = await Signaling.open(registry, first, api.token)
        socket = await open_socket(registry, second, api.token)
        try:
            frame = json.loads(await socket.recv())
            frames.check_sent(frame, "connectionRefused")
            assert frame["code"] == code
            try:
                await socket.recv()
            except ConnectionClosed:
                pass
            assert socket.close_code == close_code and f"| {close_code} |" in table
        finally:
            await kept.close()
            await socket.close()
            await api.close()

    run(scenario())


def test_presence_frames_and_receipts_match_the_schema(registry, asyncapi):
    frames = Frames(asyncapi)
    for kind in ("presence_subscribe", "presence_unsubscribe"):
        assert frames.receives[kind].is_valid({"type": kind})

    async def scenario() -> None:
        alice, a_socket, bob, b_socket, a, b, network = await _pair(registry)
        carol = Api(registry, f"carol{uid()}")
        try:
            await a_socket.send({"type": "presence_subscribe"})
            state = await a_socket.next()
            frames.check_sent(state, "presence_state")
            # GET peers' entries (lastSeen aside: the sockets' connect refreshes it while this runs).
            listed = await alice.peers(network)
            assert state["networkId"] == network
            assert without_last_seen(state["peers"]) == without_last_seen(listed)
            # A join, pushed within the diff interval (1 s by default).
            c = f"peer_c{uid()}"
            await announced(carol, network, c, ["store"])
            diff = await a_socket.next(timeout=15)
            frames.check_sent(diff, "presence_diff")
            assert [entry["deviceId"] for entry in diff["joins"]] == [c] and diff["leaves"] == []
            # The election (every 500 ms here) promotes carol's device, the only one with "store"; when that lands
            # after the join went out, the promotion follows as a join of the new entry.
            async def promoted() -> dict | None:
                entry = next(peer for peer in await alice.peers(network) if peer["deviceId"] == c)
                return entry if entry["isCoordinator"] else None

            entry = await eventually(promoted, what="carol's device promoted to coordinator")
            if diff["joins"] != [entry]:
                assert without_last_seen(diff["joins"]) == without_last_seen([entry | {"capabilities": ["store"], "isCoordinator": False}])
                diff = await a_socket.next(timeout=15)
                frames.check_sent(diff, "presence_diff")
                assert diff["joins"] == [entry] and diff["leaves"] == []
            # A leave.
            left = await carol.client.delete(f"/network/{network}/devices/{c}")
            assert left.status_code == 200 and left.json() == {"success": True}
            diff = await a_socket.next(timeout=15)
            frames.check_sent(diff, "presence_diff")
            assert diff["joins"] == [] and diff["leaves"] == [c]
            await a_socket.send({"type": "presence_unsubscribe"})

            # Receipts: live, queued (carol's device has no socket), and a refused message's error frame echoing the id.
            message = {"type": "offer", "toPeerId": b, "data": PAYLOADS["offer"], "id": "live-1"}
            assert frames.client_frame_is_valid(message)
            await a_socket.send(message)
            receipt = await a_socket.next()
            frames.check_sent(receipt, "delivered")
            assert (receipt["id"], receipt["delivery"]) == ("live-1", "live")
            frames.check_sent(await b_socket.next(), "relayed-offer")
            await announced(carol, network, c)
            await a_socket.send({"type": "answer", "toPeerId": c, "data": PAYLOADS["answer"], "id": "queued-1"})
            receipt = await a_socket.next()
            frames.check_sent(receipt, "delivered")
            assert (receipt["id"], receipt["delivery"]) == ("queued-1", "queued")
            await a_socket.send({"type": "hello", "toPeerId": b, "data": {}, "id": "bad-1"})
            error = await a_socket.expect_error("unknown_type")
            frames.check_sent(error, "error")
            assert error["id"] == "bad-1"
            too_long = {"type": "offer", "toPeerId": b, "data": {}, "id": "x" * 65}
            assert not frames.client_frame_is_valid(too_long)
            await a_socket.send(too_long)
            error = await a_socket.expect_error("invalid_message")
            frames.check_sent(error, "error")
            assert "id" not in error
        finally:
            for socket in (a_socket, b_socket):
                await socket.close()
            for api in (alice, bob, carol):
                await api.close()

    run(scenario())


def test_session_hello_is_answered_with_the_documented_welcome(registry, asyncapi):
    frames = Frames(asyncapi)
    hello = {"type": "session_hello"}
    assert frames.receives["session_hello"].is_valid(hello)

    async def scenario() -> None:
        api = Api(registry, f"alice{uid()}")
        device = f"peer_a{uid()}"
        await announced(api, f"net{uid()}", device)
        socket = await Signaling.open(registry, device, api.token)
        try:
            await socket.send(hello)
            welcome = await socket.next()
            frames.check_sent(welcome, "session_welcome")
            assert welcome["type"] == "session_welcome" and welcome["deviceId"] == device
            assert not frames.sends["session_welcome"].is_valid({**welcome, "deviceId": "alice"})
        finally:
            await socket.close()
            await api.close()

    run(scenario())


def without_last_seen(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Peer entries by deviceId, without `lastSeen`."""
    return sorted(({key: value for key, value in entry.items() if key != "lastSeen"} for entry in entries), key=lambda entry: entry["deviceId"])


def test_the_schemas_error_codes_are_the_documented_ones(asyncapi):
    schema = Frames(asyncapi).sends["error"].schema
    codes = set(schema["properties"]["code"]["enum"])
    protocol = (ROOT / "docs" / "protocol.md").read_text()
    section = protocol.split("### Server → sender: error frames", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))
    engine = {"too_many_connections", "too_many_connects", "server_full"}
    assert codes == documented - engine, (codes, documented)
    assert set(Frames(asyncapi).sends["connectionRefused"].schema["properties"]["code"]["enum"]) == engine
