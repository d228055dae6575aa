import DocumentStore
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import Testing

/// Bad client frames get an error frame; the socket stays usable and nothing is stored.
@Suite(.serialized) struct SignalingErrorFrameTests {
    static let badFrames: [(String, String)] = [
        ("{not json", "invalid_json"),
        ("[1,2,3]", "invalid_json"),
        // A repeated key, in the envelope or inside `data`, is malformed JSON (the relay must not pick one of two values).
        (#"{"type":"offer","toPeerId":"peer_b","toPeerId":"peer_c","data":{}}"#, "invalid_json"),
        (#"{"type":"offer","toPeerId":"peer_b","data":{"sdp":"a","sdp":"b"}}"#, "invalid_json"),
        (#"{"toPeerId":"peer_b","data":{}}"#, "invalid_message"),
        (#"{"type":"offer","data":{}}"#, "invalid_message"),
        (#"{"type":"offer","toPeerId":"peer_b"}"#, "invalid_message"),
        (#"{"type":"offer","toPeerId":"peer_b","data":null}"#, "invalid_message"),
        (#"{"type":"hello","toPeerId":"peer_b","data":{}}"#, "unknown_type"),
        (#"{"type":"offer","toPeerId":"bob","data":{}}"#, "invalid_message"),
        (#"{"type":"offer","toPeerId":42,"data":{}}"#, "invalid_message"),
    ]

    @Test func eachBadFrameGetsAnErrorFrameAndTheSocketStaysUsable() async throws {
        let registry = try await LiveRegistry.start(environment: ["SIGNALING_MAX_INVALID_MESSAGES": "100"])
        try await stopping(registry) {
            let (a, b) = try await SignalingRelayTests.pair(registry)
            for (frame, code) in Self.badFrames {
                let before = a.frames.count
                a.send(frame)
                let frames = try await a.waitForFrames(before + 1)
                #expect(frames.last?["code"] as? String == code, "\(frame)")
                #expect(frames.last?["error"] is String)
            }
            var before = a.frames.count
            a.sendBinary([1, 2, 3])
            #expect(try await a.waitForFrames(before + 1).last?["code"] as? String == "unsupported_frame")
            before = a.frames.count
            a.signal("offer", to: "peer_b", data: "{\"blob\":\"" + String(repeating: "x", count: 70_000) + "\"}")
            #expect(try await a.waitForFrames(before + 1).last?["code"] as? String == "message_too_large")
            // Still usable: a valid message is relayed.
            a.signal("offer", to: "peer_b", data: #"{"ok":true}"#)
            let atB = try await b.waitForFrames(2)
            #expect(atB.count == 2)
            #expect((atB.last?["data"] as? [String: Any])?["ok"] as? Bool == true)
            #expect(try await registry.store.collection("signaling_channels").count([:]) == 0)
        }
    }

    @Test func tooManyInvalidFramesCloseTheSocketWith1008() async throws {
        let registry = try await LiveRegistry.start(environment: ["SIGNALING_MAX_INVALID_MESSAGES": "3"])
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            try await registry.announce("net1", peerId: "peer_a", token: alice)
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()  // the readiness probe is the first invalid frame
            for _ in 0..<3 { a.send("garbage") }
            let close = try await a.closeFrame()
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "Too many invalid messages")
        }
    }

    @Test func messagesOverThePerSocketRateAreRefusedNotQueued() async throws {
        let clock = ManualWallClock()
        let registry = try await LiveRegistry.start(
            environment: ["SIGNALING_MESSAGE_BURST": "5", "SIGNALING_MESSAGES_PER_SECOND": "1"],
            clock: clock
        )
        try await stopping(registry) {
            let (a, b) = try await SignalingRelayTests.pair(registry)
            for n in 1...8 { a.signal("ice-candidate", to: "peer_b", data: #"{"n":"\#(n)"}"#) }
            // The readiness probe took one token: four are relayed, four refused.
            let atA = try await a.waitForFrames(1 + 4)
            #expect(atA.suffix(4).allSatisfy { $0["code"] as? String == "rate_limited" })
            let atB = try await b.waitForFrames(1 + 4)
            #expect(atB.dropFirst().compactMap { ($0["data"] as? [String: Any])?["n"] as? String } == ["1", "2", "3", "4"])
            // Time refills the bucket.
            clock.advance(by: 2)
            a.signal("offer", to: "peer_b", data: #"{"n":"later"}"#)
            #expect(try await b.waitForFrames(6).last.flatMap { ($0["data"] as? [String: Any])?["n"] as? String } == "later")
        }
    }

    @Test(arguments: RegistryBackend.all) func queueCapDropsTheOldestMessages(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(environment: ["SIGNALING_QUEUE_CAP": "3"], backend: backend)
        try await stopping(registry) {
            let (alice, bob) = try await registry.announcedPair()
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()
            for n in 1...5 { a.signal("ice-candidate", to: "peer_b", data: #"{"n":"\#(n)"}"#) }
            try await SignalingRelayTests.waitUntil {
                let channel = try await registry.store.collection("signaling_channels").findOne(["channelId": "peer_a_peer_b"])
                return (channel?["messages"]?.arrayValue ?? []).contains { $0.documentValue?["data"]?.documentValue?["n"] == "5" }
            }
            #expect(try await registry.drainIds("peer_b", token: bob) == ["3", "4", "5"])
        }
    }
}
