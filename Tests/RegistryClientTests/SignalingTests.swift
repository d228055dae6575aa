import Foundation
import RegistryClient
import Testing

/// Two announced devices of two users, each with a client and a started signaling connection.
struct SignalingPair {
    let tag: String
    let network: String
    let alice: RegistryClient
    let bob: RegistryClient
    let aliceDevice: String
    let bobDevice: String

    static func announced(on server: ClientTestServer) async throws -> SignalingPair {
        let tag = uniqueTag()
        let pair = SignalingPair(
            tag: tag,
            network: "net\(tag)",
            alice: try await server.client(user: "alice\(tag)"),
            bob: try await server.client(user: "bob\(tag)"),
            aliceDevice: "peer_alice_\(tag)",
            bobDevice: "peer_bob_\(tag)"
        )
        try await pair.alice.announce(server.announcement(pair.aliceDevice), in: pair.network)
        try await pair.bob.announce(server.announcement(pair.bobDevice), in: pair.network)
        return pair
    }

    func shutdown() {
        alice.shutdown()
        bob.shutdown()
    }

    /// Both devices' signaling connections, started, watched, and connected.
    func connectedBoth() async throws -> (alice: Watched, bob: Watched) {
        let watchedAlice = await Watched(alice.signaling(deviceId: aliceDevice))
        let watchedBob = await Watched(bob.signaling(deviceId: bobDevice))
        try await watchedAlice.connected()
        try await watchedBob.connected()
        return (watchedAlice, watchedBob)
    }
}

/// A started connection with recorders on its frames and states.
struct Watched {
    let connection: SignalingConnection
    let frames: Recorder<SignalingFrame>
    let states: Recorder<ConnectionState>

    init(_ connection: SignalingConnection) async {
        self.connection = connection
        frames = Recorder(connection.frames)
        states = Recorder(connection.states)
        await connection.start()
    }

    /// Waits for the `n`-th `.connected` (1 for the first connection).
    func connected(times n: Int = 1) async throws {
        try await states.next("connected \(n) times") { _ in states.all.filter { $0 == .connected }.count >= n }
    }

    /// Waits for a relayed message whose data's `n` is `n`.
    @discardableResult
    func message(_ n: String) async throws -> RelayedMessage {
        let frame = try await frames.next("message \(n)") { $0.relayed?.data["n"]?.stringValue == n }
        return try #require(frame.relayed)
    }
}

extension RegistryClientSuites {
    /// The signaling connection against the real server.
    @Suite struct SignalingTests {
        @Test(arguments: ClientTestServer.Backend.allCases)
        func offerAnswerAndCandidatesTravelBothWays(backend: ClientTestServer.Backend) async throws {
            let server = try await ClientTestServer.start(backend: backend)
            try await serving(server) {
                let pair = try await SignalingPair.announced(on: server)
                defer { pair.shutdown() }
                let (alice, bob) = try await pair.connectedBoth()

                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["type": "offer", "sdp": "v=0 alice", "n": "1"])
                let offer = try await bob.message("1")
                #expect(offer.type == .offer)
                #expect(offer.fromPeerId == pair.aliceDevice && offer.toPeerId == pair.bobDevice)
                #expect(offer.data["sdp"] == "v=0 alice")
                #expect(offer.id != nil)
                #expect(abs(offer.timestamp.timeIntervalSinceNow) < 60)

                try await bob.connection.send(.answer, to: pair.aliceDevice, data: ["type": "answer", "sdp": "v=0 bob", "n": "2"])
                let candidate: JSONValue = [
                    "candidate": "candidate:1 1 UDP 2122252543 192.0.2.7 49203 typ host", "sdpMid": "0", "sdpMLineIndex": 0, "n": "3",
                ]
                try await bob.connection.send(.iceCandidate, to: pair.aliceDevice, data: candidate)
                #expect(try await alice.message("2").type == .answer)
                let received = try await alice.message("3")
                #expect(received.type == .iceCandidate)
                #expect(received.data == candidate)
                guard case .iceCandidate = try #require(alice.frames.all.last) else {
                    Issue.record("an ice-candidate frame is typed as such")
                    return
                }

                // A refused message is an error frame; the socket stays open.
                try await alice.connection.send(.offer, to: "peer_nobody_\(pair.tag)", data: ["n": "4"])
                let refused = try await alice.frames.next("an error frame") { if case .error = $0 { true } else { false } }
                #expect(refused == .error(ErrorFrame(error: "Peer peer_nobody_\(pair.tag) is not in your network", code: "not_in_network", id: nil)))
                try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": "5"])
                try await bob.message("5")

                await alice.connection.close()
                await bob.connection.close()
                #expect(await alice.connection.state == .ended(.closedByClient))
                await alice.frames.finished()
                let afterClose = await #expect(throws: RegistryError.self) {
                    try await alice.connection.send(.offer, to: pair.bobDevice, data: ["n": "6"])
                }
                #expect(afterClose == .signalingEnded(.closedByClient))
            }
        }

        @Test func replacedIsFinal() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let pair = try await SignalingPair.announced(on: server)
                defer { pair.shutdown() }
                let first = await Watched(pair.alice.signaling(deviceId: pair.aliceDevice))
                try await first.connected()
                let second = await Watched(pair.alice.signaling(deviceId: pair.aliceDevice))
                try await second.connected()

                // The first connection ends for good with 4000 and does not come back to replace the second.
                await first.states.finished()
                #expect(first.states.all.last == .ended(.replaced))
                #expect(first.states.all.filter { $0 == .connected }.count == 1)
                let bob = await Watched(pair.bob.signaling(deviceId: pair.bobDevice))
                try await bob.connected()
                try await bob.connection.send(.offer, to: pair.aliceDevice, data: ["n": "1"])
                try await second.message("1")
                #expect(await second.connection.state == .connected)
                await second.connection.close()
                await bob.connection.close()
            }
        }
    }
}
