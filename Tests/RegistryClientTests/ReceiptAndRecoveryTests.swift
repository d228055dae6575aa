import DocumentStore
import Foundation
import RegistryClient
import Testing

extension RegistryClientSuites {
    /// Delivery receipts (issue 24), and what a connection does when the server answers `not_announced`, against the
    /// real server.
    @Suite struct ReceiptAndRecoveryTests {
        @Test(arguments: ClientTestServer.Backend.allCases)
        func aMessageWithAnIdGetsAReceiptLiveOrQueued(backend: ClientTestServer.Backend) async throws {
            let server = try await ClientTestServer.start(backend: backend)
            try await serving(server) {
                let pair = try await SignalingPair.announced(on: server)
                defer { pair.shutdown() }
                let (alice, bob) = try await pair.connectedBoth()

                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": "1"], id: "m-1")
                let live = try await alice.frames.next("the live receipt") { $0.receipt?.id == "m-1" }
                #expect(live.receipt?.delivery == "live")
                #expect(abs((live.receipt?.timestamp ?? .distantPast).timeIntervalSinceNow) < 60)
                // The recipient gets the spec's frame: its own server id, not the sender's.
                #expect(try await bob.message("1").id != "m-1")

                await bob.connection.close()
                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": "2"], id: "m-2")
                let queued = try await alice.frames.next("the queued receipt") { $0.receipt?.id == "m-2" }
                #expect(queued.receipt?.delivery == "queued")
                #expect(try await pair.bob.drain(deviceId: pair.bobDevice).map { $0.data["n"] } == ["2"])

                // A refused message's error frame echoes its id.
                try await alice.connection.send(.offer, to: "peer_nobody_\(pair.tag)", data: ["n": "3"], id: "m-3")
                let refused = try await alice.frames.next("the refusal") { $0.refusal?.id == "m-3" }
                #expect(refused.refusal?.code == "not_in_network")
                await alice.connection.close()
            }
        }

        @Test(arguments: ClientTestServer.Backend.allCases)
        func notAnnouncedIsAnsweredByAnnouncingAgainAndSendingOnce(backend: ClientTestServer.Backend) async throws {
            let server = try await ClientTestServer.start(backend: backend)
            try await serving(server) {
                let pair = try await SignalingPair.announced(on: server)
                defer { pair.shutdown() }
                let (alice, bob) = try await pair.connectedBoth()
                try await bob.connection.subscribePresence()
                try await bob.frames.next("bob's presence_state") { $0.presenceState != nil }

                // The server comes back without the devices' records (as after their retention, or on a store that
                // was lost): the connections reconnect, and the server no longer knows their devices' network.
                let devices = server.store.collection("devices")
                #expect(try await devices.deleteMany(["deviceId": ["$in": .array([.string(pair.aliceDevice), .string(pair.bobDevice)])]]) == 2)
                try await server.restart()
                try await alice.connected(times: 2)
                try await bob.connected(times: 2)

                // Bob's connection subscribes again on reconnect, is refused (not_announced), announces bob again and
                // subscribes again.
                try await bob.frames.next("a second presence_state") { _ in bob.frames.all.filter { $0.presenceState != nil }.count >= 2 }
                // Alice's message is refused (not_announced): her connection announces her again and sends it once more.
                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": "again"], id: "r-1")
                let receipt = try await alice.frames.next("the receipt of the message sent again") { $0.receipt?.id == "r-1" }
                // Live, or through bob's queue while the server settles his device after its restart (MongoDB).
                #expect(["live", "queued"].contains(receipt.receipt?.delivery))
                try await bob.message("again")
                #expect(bob.frames.all.filter { $0.relayed?.data["n"] == "again" }.count == 1)
                #expect(alice.frames.all.allSatisfy { $0.refusal == nil }, "a message sent again successfully is not reported as refused")
                #expect(Set(try await pair.alice.peers(in: pair.network).peers.map(\.deviceId)) == [pair.aliceDevice, pair.bobDevice])
                await alice.connection.close()

                // After leave() the client does not bring the device back: the refusal is passed on.
                try await pair.alice.leave(deviceId: pair.aliceDevice, in: pair.network)
                #expect(try await devices.deleteMany(["deviceId": .string(pair.aliceDevice)]) == 1)
                let left = await Watched(pair.alice.signaling(deviceId: pair.aliceDevice))
                try await left.connected()
                try await left.connection.send(.offer, to: pair.bobDevice, data: ["n": "left"], id: "r-2")
                let refused = try await left.frames.next("the refusal after leave") { $0.refusal?.id == "r-2" }
                #expect(refused.refusal?.code == "not_announced")
                #expect(try await pair.alice.peers(in: pair.network).peers.map(\.deviceId) == [pair.bobDevice])

                await left.connection.close()
                await bob.connection.close()
            }
        }
    }
}
