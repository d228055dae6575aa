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
                try await server.withClients("alice\(tag)", "bob\(tag)") { alice, bob in
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
        }

        @Test func serverErrorsBecomeTypedErrors() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let tag = uniqueTag()
                try await server.withClients("alice\(tag)", "mallory\(tag)") { alice, mallory in
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

        @Test func iceServersCarryATURNCredentialAndLeaveTakesTheDeviceOffline() async throws {
            let server = try await ClientTestServer.start(environment: [
                "STUN_URLS": "stun:stun.example.com:3478", "TURN_URLS": "turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349",
                "TURN_SECRET": "turn-secret-0123456789abcdef",
            ])
            try await serving(server) {
                let tag = uniqueTag()
                try await server.withClients("alice\(tag)", "mallory\(tag)") { alice, mallory in
                    let ice = try await alice.iceServers(in: "net\(tag)")
                    #expect(ice.ttl == 600)
                    #expect(
                        ice.iceServers.map(\.urls) == [
                            ["stun:stun.example.com:3478"], ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"],
                        ]
                    )
                    #expect(ice.iceServers[0].username == nil && ice.iceServers[0].credential == nil)
                    // The TURN credential: `<expiry>:<userId>`, expiring a ttl from now, and a base64 HMAC-SHA1 (20 bytes).
                    let turn = ice.iceServers[1]
                    let parts = try #require(turn.username?.split(separator: ":", maxSplits: 1))
                    #expect(parts.count == 2 && parts[1] == "alice\(tag)")
                    let expiry = try #require(Double(parts[0]))
                    #expect(abs(expiry - Date().addingTimeInterval(600).timeIntervalSince1970) < 60)
                    #expect(Data(base64Encoded: try #require(turn.credential))?.count == 20)

                    let network = "net\(tag)"
                    let device = "peer_alice_\(tag)"
                    try await alice.announce(server.announcement(device), in: network)
                    #expect(try await alice.peers(in: network).peers.map(\.deviceId) == [device])
                    let notYours = await #expect(throws: RegistryError.self) { try await mallory.leave(deviceId: device, in: network) }
                    #expect(notYours == .forbidden("Device \(device) belongs to another user"))
                    try await alice.leave(deviceId: device, in: network)
                    #expect(try await alice.peers(in: network).peers.isEmpty)
                    guard case .offline = try await alice.peer(userId: "alice\(tag)", in: network) else {
                        Issue.record("a device that left is offline")
                        return
                    }
                    let unknown = await #expect(throws: RegistryError.self) { try await alice.leave(deviceId: "peer_nobody_\(tag)", in: network) }
                    #expect(unknown == .notFound("Device peer_nobody_\(tag) is not announced in network \(network)"))
                    // A later announce brings it back.
                    try await alice.announce(server.announcement(device), in: network)
                    #expect(try await alice.peers(in: network).peers.map(\.deviceId) == [device])
                }
            }
        }
    }
}
