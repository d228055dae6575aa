import Foundation
import RegistryClient
import Testing

extension RegistryClientSuites {
    /// Reconnection through a real server restart, and the messages sent while a device was away.
    @Suite struct ReconnectTests {
        @Test func reconnectsAfterAServerRestartAndSendsWhatWasKept() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let pair = try await SignalingPair.announced(on: server)
                defer { pair.shutdown() }
                let (alice, bob) = try await pair.connectedBoth()

                await server.stop()
                // The server said it was going away (1001), and the clients wait to come back.
                try await alice.states.next("waiting after 1001") {
                    if case .waiting(_, let close) = $0 { close == SignalingClose(code: 1001, reason: "Server shutting down") } else { false }
                }
                // Sent while no server runs: kept by the client, in order.
                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": "kept-1"])
                try await alice.connection.send(.iceCandidate, to: pair.bobDevice, data: ["n": "kept-2"])

                try await server.restart()
                try await alice.connected(times: 2)
                try await bob.connected(times: 2)
                let first = try await bob.message("kept-1")
                let second = try await bob.message("kept-2")
                #expect(first.type == .offer && second.type == .iceCandidate)
                let order = bob.frames.all.compactMap { $0.relayed?.data["n"]?.stringValue }
                #expect(order == ["kept-1", "kept-2"])

                // And live signaling works on the new sockets.
                try await bob.connection.send(.answer, to: pair.aliceDevice, data: ["n": "live"])
                try await alice.message("live")
                await alice.connection.close()
                await bob.connection.close()
            }
        }

        @Test func theQueueOfAnOfflineDeviceIsDeliveredWhenItConnects() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let pair = try await SignalingPair.announced(on: server)
                defer { pair.shutdown() }
                let alice = await Watched(pair.alice.signaling(deviceId: pair.aliceDevice))
                try await alice.connected()
                // Bob is not connected: the server queues what Alice sends.
                for n in ["q1", "q2", "q3"] { try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": .string(n)]) }
                try await alice.connection.send(.offer, to: "peer_nobody_\(pair.tag)", data: ["n": "sync"])
                try await alice.frames.next("the error frame that follows the queued messages") { if case .error = $0 { true } else { false } }

                let bob = await Watched(pair.bob.signaling(deviceId: pair.bobDevice))
                try await bob.connected()
                for n in ["q1", "q2", "q3"] { #expect(try await bob.message(n).fromPeerId == pair.aliceDevice) }
                #expect(bob.frames.all.compactMap { $0.relayed?.data["n"]?.stringValue } == ["q1", "q2", "q3"])
                #expect(try await pair.bob.drain(deviceId: pair.bobDevice) == [], "delivered on connect, so the queue is empty")
                await alice.connection.close()
                await bob.connection.close()
            }
        }

        @Test func theHTTPDrainReturnsTheQueueOnce() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let pair = try await SignalingPair.announced(on: server)
                defer { pair.shutdown() }
                let alice = await Watched(pair.alice.signaling(deviceId: pair.aliceDevice))
                try await alice.connected()
                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["type": "offer", "sdp": "v=0", "n": "d1"])
                try await alice.connection.send(.offer, to: "peer_nobody_\(pair.tag)", data: ["n": "sync"])
                try await alice.frames.next("the error frame that follows the queued message") { if case .error = $0 { true } else { false } }

                let drained = try await pair.bob.drain(deviceId: pair.bobDevice)
                #expect(drained.count == 1)
                #expect(drained.first?.type == .offer && drained.first?.from == pair.aliceDevice && drained.first?.to == pair.bobDevice)
                #expect(drained.first?.data["sdp"] == "v=0")
                #expect(try await pair.bob.drain(deviceId: pair.bobDevice) == [])
                await alice.connection.close()
            }
        }
    }
}
