import Foundation
import RegistryClient
import Testing

extension RegistryClientSuites {
    /// An expired token is replaced through the token provider, over HTTP and on the signaling socket.
    @Suite struct TokenRefreshTests {
        @Test func anExpiredTokenIsRefreshedForHTTP() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let tag = uniqueTag()
                let tokens = RecordingTokens([try await server.token("alice\(tag)", ttl: .seconds(-120)), try await server.token("alice\(tag)")])
                let alice = server.client(tokens: tokens.provider)
                defer { alice.shutdown() }
                try await alice.announce(server.announcement("peer_alice_\(tag)"), in: "net\(tag)")
                #expect(tokens.reasons == [.initial, .refresh])
                // The fresh token is kept: the next request does not ask again.
                _ = try await alice.peers(in: "net\(tag)")
                #expect(tokens.reasons == [.initial, .refresh])
            }
        }

        @Test func anAuthenticationCloseAsksTheProviderAgain() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let tag = uniqueTag()
                let valid = try await server.token("alice\(tag)")
                let setup = server.client(tokens: .constant(valid))
                defer { setup.shutdown() }
                try await setup.announce(server.announcement("peer_alice_\(tag)"), in: "net\(tag)")

                let tokens = RecordingTokens([try await server.token("alice\(tag)", ttl: .seconds(-120)), valid])
                let alice = server.client(tokens: tokens.provider)
                defer { alice.shutdown() }
                let connection = await Watched(alice.signaling(deviceId: "peer_alice_\(tag)"))
                // The server accepts the upgrade, then closes for the expired token: that socket never counts as connected.
                try await connection.connected()
                #expect(tokens.reasons == [.initial, .refresh])
                #expect(connection.states.all.filter { $0 == .connected }.count == 1)
                // The server closed the first socket for the expired token; the client did not wait to reconnect.
                #expect(!connection.states.all.contains { if case .waiting = $0 { true } else { false } })
                #expect(await connection.connection.state == .connected)
                await connection.connection.close()
            }
        }

        @Test func aProviderWhoseFreshTokenIsRefusedTooEndsTheConnection() async throws {
            let server = try await ClientTestServer.start()
            try await serving(server) {
                let tag = uniqueTag()
                let tokens = RecordingTokens([try await server.token("alice\(tag)", ttl: .seconds(-120))])
                let alice = server.client(tokens: tokens.provider)
                defer { alice.shutdown() }
                let connection = await Watched(alice.signaling(deviceId: "peer_alice_\(tag)"))
                await connection.states.finished()
                #expect(
                    connection.states.all.last == .ended(.authenticationFailed(SignalingClose(code: 1008, reason: "Authentication token expired")))
                )
                #expect(tokens.reasons == [.initial, .refresh])
            }
        }
    }
}
