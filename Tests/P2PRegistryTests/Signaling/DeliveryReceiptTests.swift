import DocumentStore
import Foundation
import Testing

/// Delivery receipts through the real server: a message with an `id` is answered with `delivered` (live or queued), a
/// refused one with its error frame echoing the `id`; a message without `id` gets nothing new.
@Suite(.serialized) struct DeliveryReceiptTests {
    @Test(arguments: RegistryBackend.all) func aMessageWithAnIdIsAnsweredLiveOrQueued(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (a, b) = try await SignalingRelayTests.pair(registry)
            a.send(#"{"type":"offer","toPeerId":"peer_b","data":{"sdp":"v=0"},"id":"m-1"}"#)
            let live = try await a.frame(ofType: "delivered")
            #expect(live["id"] as? String == "m-1")
            #expect(live["delivery"] as? String == "live")
            #expect(live["timestamp"] is Int)
            // The recipient's frame is the spec's: the client's id is not relayed.
            let offer = try #require(try await b.waitForFrames(2).last)
            #expect(offer["type"] as? String == "offer")
            #expect(offer["id"] as? String != "m-1")

            // Carol's device is announced but not connected: the message waits in its queue.
            let carol = try await registry.token("carol")
            #expect(try await registry.announce("net1", peerId: "peer_c", token: carol) == 200)
            a.send(#"{"type":"answer","toPeerId":"peer_c","data":{"n":"queued"},"id":"m-2"}"#)
            let queued = try await a.frame(ofType: "delivered", number: 2)
            #expect(queued["id"] as? String == "m-2")
            #expect(queued["delivery"] as? String == "queued")
            #expect(try await registry.drainIds("peer_c", token: carol) == ["queued"])
        }
    }

    @Test func aRefusedMessageEchoesItsIdAndAnInvalidIdIsRefused() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let (a, _) = try await SignalingRelayTests.pair(registry)
            #expect(try await registry.announce("net2", peerId: "peer_x", token: registry.token("xavier")) == 200)
            let refused: [(String, String, String?)] = [
                (#"{"type":"offer","toPeerId":"peer_x","data":{},"id":"r-1"}"#, "not_in_network", "r-1"),
                (#"{"type":"hello","toPeerId":"peer_b","data":{},"id":"r-2"}"#, "unknown_type", "r-2"),
                (#"{"type":"offer","toPeerId":"peer_b","id":"r-3"}"#, "invalid_message", "r-3"),
                (#"{"type":"offer","toPeerId":"peer_b","data":{},"id":42}"#, "invalid_message", nil),
                (#"{"type":"offer","toPeerId":"peer_b","data":{},"id":""}"#, "invalid_message", nil),
                (#"{"type":"offer","toPeerId":"peer_b","data":{},"id":"\#(String(repeating: "x", count: 65))"}"#, "invalid_message", nil),
            ]
            for (frame, code, id) in refused {
                let before = a.frames.count
                a.send(frame)
                let answer = try #require(try await a.waitForFrames(before + 1).last)
                #expect(answer["code"] as? String == code, "\(frame)")
                #expect(answer["id"] as? String == id, "\(frame)")
                if id == nil, code == "invalid_message", frame.contains("\"data\":{}") {
                    #expect(answer["error"] as? String == "id must be a string of 1 to 64 characters")
                }
            }
            #expect(a.frames(ofType: "delivered").isEmpty)
            // 64 characters is the most an id may have.
            let longest = String(repeating: "y", count: 64)
            a.send(#"{"type":"offer","toPeerId":"peer_b","data":{},"id":"\#(longest)"}"#)
            #expect(try await a.frame(ofType: "delivered")["id"] as? String == longest)
        }
    }

    @Test func aRateLimitedMessageEchoesItsId() async throws {
        let registry = try await LiveRegistry.start(environment: ["SIGNALING_MESSAGES_PER_SECOND": "0.001", "SIGNALING_MESSAGE_BURST": "3"])
        try await stopping(registry) {
            let (a, _) = try await SignalingRelayTests.pair(registry)  // ready() took one token of a's three
            a.send(#"{"type":"offer","toPeerId":"peer_b","data":{},"id":"ok-1"}"#)
            a.send(#"{"type":"offer","toPeerId":"peer_b","data":{},"id":"ok-2"}"#)
            a.send(#"{"type":"offer","toPeerId":"peer_b","data":{},"id":"over"}"#)
            let limited = try await waitForValue { a.frames.first { $0["code"] as? String == "rate_limited" } }
            #expect(limited["id"] as? String == "over")
        }
    }

    @Test func withoutAnIdNothingNewIsSent() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let (a, b) = try await SignalingRelayTests.pair(registry)
            a.signal("offer", to: "peer_b")
            _ = try await b.waitForFrames(2)
            try await a.ready()  // answered in order: a receipt would have come before this round trip's error frame
            #expect(a.frames.count == 2)
            #expect(a.frames(ofType: "delivered").isEmpty)
        }
    }
}
