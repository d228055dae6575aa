import Foundation
import RegistryClient
import Testing

extension RegistryClientSuites {
    /// The frames and close codes of docs/protocol.md as the client reads and writes them, on their documented JSON
    /// (PresencePushTests and ReceiptAndRecoveryTests check them against the real server).
    @Suite struct FrameContractTests {
        @Test func relayedAndErrorFramesAreTyped() throws {
            let offer = try #require(
                SignalingFrame.decode(
                    #"{"id":"m1","type":"offer","fromPeerId":"peer_a","toPeerId":"peer_b","data":{"type":"offer","sdp":"v=0"},"timestamp":1764059289889}"#
                )
            )
            #expect(offer.relayed?.timestamp == Date(timeIntervalSince1970: 1_764_059_289.889))
            guard case .offer = offer else { throw ServerFailure("not an offer: \(offer)") }
            #expect(
                SignalingFrame.decode(#"{"error":"Invalid message format","code":"invalid_json"}"#)
                    == .error(ErrorFrame(error: "Invalid message format", code: "invalid_json", id: nil))
            )
            #expect(SignalingFrame.decode(#"{"type":"hello"}"#) == .unknown(["type": "hello"]))
            #expect(SignalingFrame.decode("not json") == nil)
        }

        @Test func issue24FramesAreTypedFromTheContract() throws {
            let peer =
                #"{"userId":"alice","deviceId":"peer_a","signalAddress":"wss://s/peer_a","capabilities":["relay"],"isCoordinator":false,"lastSeen":"2026-11-25T08:28:09.889Z"}"#
            guard
                case .presenceState(let state) = SignalingFrame.decode(
                    #"{"type":"presence_state","networkId":"net1","peers":[\#(peer)],"timestamp":1764059289889}"#
                )
            else {
                throw ServerFailure("presence_state")
            }
            #expect(state.networkId == "net1" && state.peers.map(\.deviceId) == ["peer_a"])
            guard
                case .presenceDiff(let diff) = SignalingFrame.decode(
                    #"{"type":"presence_diff","networkId":"net1","joins":[\#(peer)],"leaves":["peer_b"],"timestamp":1}"#
                )
            else {
                throw ServerFailure("presence_diff")
            }
            #expect(diff.joins.map(\.deviceId) == ["peer_a"] && diff.leaves == ["peer_b"])
            guard case .delivered(let receipt) = SignalingFrame.decode(#"{"type":"delivered","id":"c1","delivery":"queued","timestamp":1}"#) else {
                throw ServerFailure("delivered")
            }
            #expect(receipt.id == "c1" && receipt.delivery == "queued")
            #expect(
                SignalingFrame.decode(#"{"error":"Too many messages","code":"rate_limited","id":"c2"}"#)
                    == .error(ErrorFrame(error: "Too many messages", code: "rate_limited", id: "c2"))
            )
            let ice = try RegistryJSON.decoder().decode(
                ICEServers.self,
                from: Data(
                    #"{"iceServers":[{"urls":["stun:s:3478"]},{"urls":["turn:t:3478"],"username":"1764059289:alice","credential":"abc="}],"ttl":600}"#
                        .utf8
                )
            )
            #expect(ice.iceServers.count == 2 && ice.iceServers[1].username == "1764059289:alice" && ice.ttl == 600)
        }

        @Test func outgoingFramesAreTheDocumentedJSON() throws {
            #expect(
                try OutgoingFrame.signal(type: .iceCandidate, to: "peer_b", data: ["sdpMLineIndex": 0], id: nil).text()
                    == #"{"data":{"sdpMLineIndex":0},"toPeerId":"peer_b","type":"ice-candidate"}"#
            )
            #expect(
                try OutgoingFrame.signal(type: .offer, to: "peer_b", data: "x", id: "c1").text()
                    == #"{"data":"x","id":"c1","toPeerId":"peer_b","type":"offer"}"#
            )
            #expect(try OutgoingFrame.presenceSubscribe.text() == #"{"type":"presence_subscribe"}"#)
            #expect(try OutgoingFrame.presenceUnsubscribe.text() == #"{"type":"presence_unsubscribe"}"#)
            #expect(try OutgoingFrame.sessionHello.text() == #"{"type":"session_hello"}"#)
            let welcome = try #require(SignalingFrame.decode(#"{"type":"session_welcome","deviceId":"peer_a","timestamp":1}"#))
            #expect(welcome.isSessionWelcome)
            #expect(SignalingFrame.decode(#"{"type":"hello"}"#)?.isSessionWelcome == false)
        }

        @Test func sentMessagesAreKeptUntilAnsweredAndBounded() {
            var sent = SentMessages(limit: 2)
            sent.remember("a", text: "A")
            sent.remember("b", text: "B")
            sent.remember("c", text: "C")
            #expect(sent.take("a") == nil, "the oldest is forgotten past the limit")
            #expect(sent.take("b") == SentMessages.Entry(text: "B", resent: false))
            #expect(sent.take("b") == nil, "taken once")
            sent.remember("c", text: "C", resent: true)
            #expect(sent.take("c")?.resent == true)
        }

        @Test func closeCodesDecideWhetherToReconnect() {
            #expect(SignalingClose(code: 4000, reason: "replaced").action == .stop(.replaced))
            #expect(SignalingClose(code: 1008, reason: "Authentication token expired").action == .refreshToken)
            #expect(SignalingClose(code: 1008, reason: "Invalid authentication token").action == .refreshToken)
            #expect(SignalingClose(code: 1008, reason: "Too many open connections for this user").action == .reconnect)
            let owned = SignalingClose(code: 1008, reason: "Device belongs to another user")
            #expect(owned.action == .stop(.refused(owned)))
            for code in [1001, 1006, 1011, 1013] { #expect(SignalingClose(code: code, reason: "").action == .reconnect) }
        }

        @Test func backoffGrowsToItsMaximumAndJittersDown() {
            let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0.5)
            #expect(backoff.delay(attempt: 0, random: 0) == .milliseconds(100))
            #expect(backoff.delay(attempt: 2, random: 0) == .milliseconds(400))
            #expect(backoff.delay(attempt: 10, random: 0) == .seconds(1))
            #expect(backoff.delay(attempt: 10, random: 1) == .milliseconds(500))
        }
    }
}
