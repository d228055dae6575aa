import Foundation
import RegistryClient
import Testing

extension RegistryClientSuites {
    /// The typed HTTP API against the real server, on both stores.
    @Suite struct HTTPAPITests {
        @Test(arguments: ClientTestServer.Backend.allCases)
        func announceDiscoverLookUpAndDrain(backend: ClientTestServer.Backend) async throws {
            let server = try await ClientTestServer.start(backend: backend)
            try await serving(server) {
                let tag = uniqueTag()
                let network = "net\(tag)"
                let alice = try await server.client(user: "alice\(tag)")
                let bob = try await server.client(user: "bob\(tag)")
                defer {
                    alice.shutdown()
                    bob.shutdown()
                }

                let limit = try await alice.announce(server.announcement("peer_alice_\(tag)", capabilities: [.relay, .coordinator]), in: network)
                #expect(limit?.limit == 12)
                #expect(limit?.remaining == 11)
                try await bob.announce(server.announcement("peer_bob_\(tag)", capabilities: nil), in: network)

                let listing = try await alice.peers(in: network)
                #expect(Set(listing.peers.map(\.deviceId)) == ["peer_alice_\(tag)", "peer_bob_\(tag)"])
                #expect(listing.notModified == false)
                #expect(listing.entityTag?.hasPrefix("\"p2-") == true)
                let aliceEntry = try #require(listing.peers.first { $0.deviceId == "peer_alice_\(tag)" })
                #expect(aliceEntry.userId == "alice\(tag)")
                #expect(aliceEntry.capabilities == [.relay, .coordinator])
                #expect(aliceEntry.isCoordinator)
                #expect(abs(aliceEntry.lastSeen.timeIntervalSinceNow) < 60)

                // The second listing is a 304 answered from the client's cache.
                let again = try await alice.peers(in: network)
                #expect(again.notModified)
                #expect(again.peers == listing.peers)
                #expect(again.entityTag == listing.entityTag)

                guard case .online(let deviceId, _, let capabilities, _) = try await alice.peer(userId: "bob\(tag)", in: network) else {
                    Issue.record("bob is online")
                    return
                }
                #expect(deviceId == "peer_bob_\(tag)")
                #expect(capabilities == [])
                guard case .offline(let lastSeen, let coordinators) = try await alice.peer(userId: "nobody\(tag)", in: network) else {
                    Issue.record("an unknown user is offline")
                    return
                }
                #expect(lastSeen == nil)
                #expect(coordinators == ["peer_alice_\(tag)"])

                #expect(try await bob.drain(deviceId: "peer_bob_\(tag)") == [])
            }
        }

        @Test func serverErrorsBecomeTypedErrors() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let tag = uniqueTag()
                let alice = try await server.client(user: "alice\(tag)")
                let mallory = try await server.client(user: "mallory\(tag)")
                defer {
                    alice.shutdown()
                    mallory.shutdown()
                }
                // 400 with the validation entries, in the server's order.
                let invalid = Announcement(peerId: "alice", signalAddress: "http://x")
                let validation = await #expect(throws: RegistryError.self) { try await alice.announce(invalid, in: "net-1") }
                guard case .validation(let issues) = validation else {
                    Issue.record("expected .validation, got \(String(describing: validation))")
                    return
                }
                #expect(issues.map(\.path) == ["networkId", "peerId", "signalAddress"])
                #expect(issues[1] == ValidationIssue(value: "alice", msg: "must match ^peer_[a-zA-Z0-9_]+$", path: "peerId", location: "body"))

                // 403 with the server's error text.
                try await alice.announce(server.announcement("peer_alice_\(tag)"), in: "net\(tag)")
                let forbidden = await #expect(throws: RegistryError.self) {
                    try await mallory.announce(server.announcement("peer_alice_\(tag)"), in: "net\(tag)")
                }
                #expect(forbidden == .forbidden("Device peer_alice_\(tag) belongs to another user"))
                #expect(forbidden?.serverMessage == "Device peer_alice_\(tag) belongs to another user")

                // A server that is not there.
                let nowhere = RegistryClient(
                    configuration: .init(apiURL: URL(string: "http://127.0.0.1:1")!, signalingURL: URL(string: "ws://127.0.0.1:1")!),
                    tokens: .constant("x")
                )
                defer { nowhere.shutdown() }
                let refused = await #expect(throws: RegistryError.self) { try await nowhere.peers(in: "net1") }
                guard case .transport = refused else {
                    Issue.record("expected .transport, got \(String(describing: refused))")
                    return
                }
            }
        }

        @Test func aRateLimitedAnnounceCarriesRetryAfter() async throws {
            let server = try await ClientTestServer.start(environment: ["RATE_LIMIT_MAX_REQUESTS": "2", "RATE_LIMIT_WINDOW_MS": "86400000"])
            try await serving(server) {
                let tag = uniqueTag()
                let alice = try await server.client(user: "alice\(tag)")
                defer { alice.shutdown() }
                let announcement = server.announcement("peer_alice_\(tag)")
                try await alice.announce(announcement, in: "net\(tag)")
                try await alice.announce(announcement, in: "net\(tag)")
                let limited = await #expect(throws: RegistryError.self) { try await alice.announce(announcement, in: "net\(tag)") }
                guard case .rateLimited(let message, let retryAfter) = limited else {
                    Issue.record("expected .rateLimited, got \(String(describing: limited))")
                    return
                }
                #expect(message == "Too many presence announcements")
                let wait = try #require(retryAfter)
                // The rest of the window (windows are slots of the epoch, so a day-long one ends at midnight UTC).
                #expect(isClose(wait, to: secondsLeftInTheDayWindow()), "\(wait)")
            }
        }
    }
}
