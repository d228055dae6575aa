import DocumentStore
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import Testing

/// Presence while connected, graceful shutdown, and many sockets at once.
@Suite(.serialized) struct SignalingLifecycleTests {
    @Test func connectedDeviceStaysOnlineWithoutAnnouncing() async throws {
        // Online window 0.6 s, so the socket's presence refresh runs every 0.2 s. The wall clock is manual: after it
        // jumps a minute both announces are stale, and only the refresh of the connected device can list it again
        // (however late a loaded machine runs the refresh).
        let clock = ManualWallClock()
        let registry = try await LiveRegistry.start(environment: ["DEVICE_TTL_MINUTES": "0.01"], clock: clock)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            try await registry.announce("net1", peerId: "peer_a", token: alice)
            try await registry.announce("net1", peerId: "peer_quiet", token: alice)
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()
            clock.advance(by: 60)
            var listed: [String?] = []
            try await SignalingRelayTests.waitUntil {
                let peers = try await registry.http("GET", "/network/net1/peers", token: alice).json["peers"] as? [[String: Any]]
                listed = peers?.map { $0["deviceId"] as? String } ?? []
                return listed == ["peer_a"]
            }
            #expect(listed == ["peer_a"])
        }
    }

    @Test func gracefulShutdownClosesSocketsWith1001() async throws {
        let registry = try await LiveRegistry.start()
        let (a, b) = try await SignalingRelayTests.pair(registry)
        await registry.stop()
        #expect(try await a.closeFrame()?.closeCode == .goingAway)
        #expect(try await b.closeFrame()?.closeCode == .goingAway)
    }

    @Test(arguments: RegistryBackend.all) func twoHundredSocketsExchangeMessagesWithoutLoss(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(environment: ["SIGNALING_MESSAGE_BURST": "1000"], backend: backend)
        try await stopping(registry) {
            let pairs = 100
            let perSide = 5
            var sockets: [(TestSocket, TestSocket, String, String)] = []
            for index in 0..<pairs {
                let left = "peer_l\(index)"
                let right = "peer_r\(index)"
                let leftToken = try await registry.token("user_l\(index)")
                let rightToken = try await registry.token("user_r\(index)")
                try await registry.announce("net1", peerId: left, token: leftToken)
                try await registry.announce("net1", peerId: right, token: rightToken)
                // Every tenth right-hand device stays offline and gets its messages from the drain.
                let rightSocket = index % 10 == 0 ? nil : TestSocket.connect(registry, deviceId: right, token: rightToken)
                let leftSocket = TestSocket.connect(registry, deviceId: left, token: leftToken)
                sockets.append((leftSocket, rightSocket ?? leftSocket, rightToken, right))
                if rightSocket == nil { sockets[index].1 = leftSocket }
                _ = rightSocket
            }
            for (left, right, _, rightId) in sockets {
                try await left.ready()
                if right !== left { try await right.ready() }
                _ = rightId
            }
            for (index, (left, right, _, rightId)) in sockets.enumerated() {
                for n in 0..<perSide {
                    left.signal("ice-candidate", to: rightId, data: #"{"n":"l\#(index)-\#(n)"}"#)
                    if right !== left { right.signal("ice-candidate", to: left.deviceId, data: #"{"n":"r\#(index)-\#(n)"}"#) }
                }
            }
            for (index, (left, right, rightToken, rightId)) in sockets.enumerated() {
                let expectedAtRight = Set((0..<perSide).map { "l\(index)-\($0)" })
                if right !== left {
                    let frames = try await right.waitForFrames(1 + perSide, timeout: .seconds(60))
                    let ids = frames.compactMap { ($0["data"] as? [String: Any])?["n"] as? String }
                    #expect(ids.count == perSide && Set(ids) == expectedAtRight, "right \(index): \(ids)")
                    let atLeft = try await left.waitForFrames(1 + perSide, timeout: .seconds(60))
                    let leftIds = atLeft.compactMap { ($0["data"] as? [String: Any])?["n"] as? String }
                    #expect(leftIds.count == perSide && Set(leftIds) == Set((0..<perSide).map { "r\(index)-\($0)" }), "left \(index)")
                } else {
                    try await SignalingRelayTests.waitUntil {
                        let channel = try await registry.store.collection("signaling_channels").findOne([
                            "channelId": .string(SignalingPair.id(left.deviceId, rightId))
                        ])
                        return channel?["messages"]?.arrayValue?.count == perSide
                    }
                    let drained = try await registry.drainIds(rightId, token: rightToken)
                    #expect(drained.count == perSide && Set(drained) == expectedAtRight, "drained \(index): \(drained)")
                }
            }
        }
    }
}

enum SignalingPair {
    static func id(_ first: String, _ second: String) -> String { [first, second].sorted().joined(separator: "_") }
}
