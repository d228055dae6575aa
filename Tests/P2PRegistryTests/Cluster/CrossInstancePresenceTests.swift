import DocumentStore
import Foundation
import ServerConfig
import Testing

/// Presence and receipts across two instances on one store: a join or leave made through one instance reaches a
/// subscriber on the other (through the cluster bus), and a message forwarded to the recipient's instance is answered
/// with its receipt.
@Suite(.serialized) struct CrossInstancePresenceTests {
    @Test(arguments: RegistryBackend.all) func aJoinAndALeaveOnOneInstanceReachASubscriberOnTheOther(backend: RegistryBackend) async throws {
        let (first, second) = try await CrossInstanceTests.twoInstances(backend)
        try await stopping(first, second) {
            let a = try await TestSocket.announced("peer_a", in: "net1", as: "alice", on: second)
            #expect(deviceIds(try await a.subscribePresence()["peers"]) == ["peer_a"])

            let bob = try await first.token("bob")
            #expect(try await first.announce("net1", peerId: "peer_b", token: bob) == 200)
            let join = try await waitForValue { a.frames(ofType: "presence_diff").first { deviceIds($0["joins"]).contains("peer_b") } }
            let listed = try await first.http("GET", "/network/net1/peers", token: bob).json["peers"] as? [[String: Any]] ?? []
            #expect(
                sameJSON(
                    (join["joins"] as? [[String: Any]])?.filter { $0["deviceId"] as? String == "peer_b" },
                    listed.filter { $0["deviceId"] as? String == "peer_b" }
                )
            )

            #expect(try await first.http("DELETE", "/network/net1/devices/peer_b", token: bob).status == 200)
            let leave = try await waitForValue { a.frames(ofType: "presence_diff").first { ($0["leaves"] as? [String])?.contains("peer_b") == true } }
            #expect(leave["networkId"] as? String == "net1")
        }
    }

    /// The instance a change reaches through the bus pushes it to its subscribers at once, not at its own next batch: a
    /// subscriber learns of a join made on another instance within that instance's interval plus an inbox poll.
    @Test(arguments: RegistryBackend.all) func aChangeFromAnotherInstanceIsPushedOnArrival(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        // The first instance batches every 100 ms; the second, where the subscriber is, only once an hour.
        let (first, second) = try await CrossInstanceTests.twoInstances(
            backend,
            manual: clock,
            limits: { $0.presence.diffInterval = .milliseconds(100) },
            secondLimits: { $0.presence.diffInterval = .seconds(3600) }
        )
        try await stopping(first, second) {
            let a = try await TestSocket.announced("peer_a", in: "net1", as: "alice", on: second)
            #expect(deviceIds(try await a.subscribePresence()["peers"]) == ["peer_a"])
            #expect(try await first.announce("net1", peerId: "peer_b", token: try await first.token("bob")) == 200)
            // Inbox polls (50 ms) and the first instance's batches; 20 s of the clock at most, far from the second's hour.
            var steps = 0
            while a.frames(ofType: "presence_diff").isEmpty, steps < 400 {
                clock.advance(by: .milliseconds(50))
                try await Task.sleep(for: .milliseconds(10))
                steps += 1
            }
            #expect(a.frames(ofType: "presence_diff").map { deviceIds($0["joins"]) } == [["peer_b"]])
        }
    }

    @Test(arguments: RegistryBackend.all) func aForwardedMessageGetsItsReceiptFromTheRecipientsInstance(backend: RegistryBackend) async throws {
        let (first, second) = try await CrossInstanceTests.twoInstances(backend)
        try await stopping(first, second) {
            let (a, b) = try await CrossInstanceTests.spreadPair(first, second)
            a.send(#"{"type":"offer","toPeerId":"peer_b","data":{"n":"x"},"id":"across"}"#)
            let receipt = try await a.frame(ofType: "delivered")
            #expect(receipt["id"] as? String == "across")
            #expect(receipt["delivery"] as? String == "live")
            #expect(try await b.waitForFrames(2).last?["type"] as? String == "offer")
            #expect(first.metric("signaling_messages_forwarded_total") == 1)
        }
    }
}
