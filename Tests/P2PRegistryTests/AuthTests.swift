import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ServerEngine
import Testing

@Suite struct AuthTests {
    static let routes: [(HTTPRequest.Method, String)] = [
        (.post, "/network/net1/announce"), (.get, "/network/net1/peers"), (.get, "/network/net1/peer/alice"),
        (.get, "/signaling/messages/peer_alice_1"),
    ]

    @Test func everyEndpointRequiresAToken() async throws {
        let registry = try await RegistryHarness.make()
        try await registry.test { client async throws in
            for (method, uri) in Self.routes {
                let response = try await client.send(uri, method: method, body: method == .post ? ByteBuffer(string: "{}") : nil, token: nil)
                #expect(response.status == .unauthorized, "\(uri)")
                #expect(response.error == "Authentication required")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
        }
    }

    @Test(arguments: [
        "Bearer not.a.jwt", "Basic YWxpY2U6cHc=", "Bearer", "bearer  ",
        // alg none with id alice
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpZCI6ImFsaWNlIn0.",
    ])
    func malformedOrUnsignedTokensAreRejected(header: String) async throws {
        let registry = try await RegistryHarness.make()
        try await registry.test { client async throws in
            let response = try await client.send("/network/net1/peers", method: .get, token: nil, headers: [.authorization: header])
            #expect(response.status == .unauthorized)
            #expect(response.error != nil)
            #expect(!response.body.readableBytesView.isEmpty)
        }
    }

    @Test func tokenSignedWithAnotherSecretIsRejected() async throws {
        let registry = try await RegistryHarness.make()
        let forged = try await JWTAuthenticator(secret: "some-other-secret-0123456789abcdef", clock: registry.clock).mint(user: "alice")
        try await registry.test { client async throws in
            let response = try await client.get("/network/net1/peers", token: forged)
            #expect(response.status == .unauthorized)
            #expect(response.error == "Invalid authentication token")
        }
    }

    @Test func expiredTokenIsRejected() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice", ttl: .seconds(60))
        try await registry.test { client async throws in
            #expect(try await client.get("/network/net1/peers", token: token).status == .ok)
            registry.clock.advance(by: 61)
            let response = try await client.get("/network/net1/peers", token: token)
            #expect(response.status == .unauthorized)
            #expect(response.error == "Authentication token expired")
        }
    }

    @Test func tokenIsNeverEchoed() async throws {
        let registry = try await RegistryHarness.make()
        let forged = try await JWTAuthenticator(secret: "some-other-secret-0123456789abcdef", clock: registry.clock).mint(user: "alice")
        try await registry.test { client async throws in
            let response = try await client.get("/network/net1/peers", token: forged)
            #expect(!String(buffer: response.body).contains(forged))
        }
    }
}
