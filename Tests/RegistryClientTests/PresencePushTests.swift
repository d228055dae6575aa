import Foundation
import RegistryClient
import Testing

extension RegistryClientSuites {
    /// Presence push (issue 24) through the client against the real server: the state on subscribe, a diff on a join
    /// and on a leave, and nothing after unsubscribing.
    @Suite struct PresencePushTests {
        @Test(arguments: ClientTestServer.Backend.allCases)
        func subscribeGetsTheStateThenDiffsUntilUnsubscribed(backend: ClientTestServer.Backend) async throws {
            let server = try await ClientTestServer.start(backend: backend, environment: ["PRESENCE_DIFF_INTERVAL": "50ms"])
            try await serving(server) {
                let pair = try await SignalingPair.announced(on: server)
                let carol = try await server.client(user: "carol\(pair.tag)")
                defer {
                    pair.shutdown()
                    carol.shutdown()
                }
                let (alice, bob) = try await pair.connectedBoth()
                try await alice.connection.subscribePresence()
                try await bob.connection.subscribePresence()

                let snapshot = try #require(try await alice.frames.next("presence_state") { $0.presenceState != nil }.presenceState)
                #expect(snapshot.networkId == pair.network)
                #expect(Set(snapshot.peers.map(\.deviceId)) == [pair.aliceDevice, pair.bobDevice])
                #expect(snapshot.peers.first { $0.deviceId == pair.bobDevice }?.userId == "bob\(pair.tag)")

                // A join: carol announces.
                let carolDevice = "peer_carol_\(pair.tag)"
                try await carol.announce(server.announcement(carolDevice), in: pair.network)
                let joined = try await alice.frames.next("carol's join") { $0.diff?.joins.contains { $0.deviceId == carolDevice } == true }
                #expect(joined.diff?.networkId == pair.network)
                #expect(joined.diff?.joins.first { $0.deviceId == carolDevice }?.capabilities == [.relay])

                // A leave: carol leaves the network (DELETE …/devices/:deviceId), and GET peers no longer lists her.
                try await carol.leave(deviceId: carolDevice, in: pair.network)
                try await alice.frames.next("carol's leave") { $0.diff?.leaves.contains(carolDevice) == true }
                #expect(try await pair.alice.peers(in: pair.network).peers.map(\.deviceId).contains(carolDevice) == false)

                // Unsubscribed, alice gets no diff of carol's return; bob, still subscribed, does. A receipt on alice's
                // socket after bob's diff proves that a diff sent to alice (in the same batch) would have arrived by then.
                try await bob.frames.next("carol's leave, for bob") { $0.diff?.leaves.contains(carolDevice) == true }
                try await alice.connection.unsubscribePresence()
                // The server handles a socket's frames in order: once this receipt is back, the unsubscribe is done.
                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": "sync"], id: "sync-0")
                try await alice.frames.next("the first receipt") { $0.receipt?.id == "sync-0" }
                let diffsBefore = alice.frames.all.filter { $0.diff != nil }.count
                let bobBefore = bob.frames.all.count
                try await carol.announce(server.announcement(carolDevice), in: pair.network)
                try await bob.frames.next(after: bobBefore, "carol's return") { $0.diff?.joins.contains { $0.deviceId == carolDevice } == true }
                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": "sync"], id: "sync-1")
                try await alice.frames.next("the receipt") { $0.receipt?.id == "sync-1" }
                #expect(alice.frames.all.filter { $0.diff != nil }.count == diffsBefore)

                await alice.connection.close()
                await bob.connection.close()
            }
        }
    }
}

extension SignalingFrame {
    /// The frame's presence state, if it is one.
    var presenceState: PresenceState? {
        if case .presenceState(let state) = self { return state }
        return nil
    }

    /// The frame's presence diff, if it is one.
    var diff: PresenceDiff? {
        if case .presenceDiff(let diff) = self { return diff }
        return nil
    }

    /// The frame's delivery receipt, if it is one.
    var receipt: DeliveryReceipt? {
        if case .delivered(let receipt) = self { return receipt }
        return nil
    }

    /// The frame's error, if it is an error frame.
    var refusal: ErrorFrame? {
        if case .error(let refusal) = self { return refusal }
        return nil
    }
}
