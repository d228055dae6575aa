import DocumentStore
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import NetworkTestSupport
import ServerEngine
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Who may open a signaling socket for which device.
@Suite(.serialized) struct SignalingAuthTests {
    @Test func missingTokenIsClosedWith1008() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let close = try await RawWebSocket.firstClose(port: registry.webSocketPort, path: "/signaling/peer_a")
            #expect(close == RawWebSocket.Close(code: 1008, reason: "Authentication required"))
        }
    }

    @Test func invalidTokenIsClosedWith1008() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let forged = try await JWTAuthenticator(secret: "another-secret-0123456789abcdef0123", clock: registry.clock).mint(user: "alice")
            let viaHeader = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_a",
                headers: ["Authorization": "Bearer \(forged)"]
            )
            let viaQuery = try await RawWebSocket.firstClose(port: registry.webSocketPort, path: "/signaling/peer_a?token=\(forged)")
            for close in [viaHeader, viaQuery] {
                #expect(close == RawWebSocket.Close(code: 1008, reason: "Invalid authentication token"))
            }
        }
    }

    @Test(arguments: RegistryBackend.all) func anotherUsersDeviceIsClosedWith1008(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let mallory = try await registry.token("mallory")
            try await registry.announce("net1", peerId: "peer_a", token: alice)
            let close = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_a",
                headers: ["Authorization": "Bearer \(mallory)"]
            )
            #expect(close == RawWebSocket.Close(code: 1008, reason: "Device belongs to another user"))
        }
    }

    @Test func invalidDeviceIdIsClosedWith1008() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let token = try await registry.token("alice")
            let close = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/not-a-peer",
                headers: ["Authorization": "Bearer \(token)"]
            )
            #expect(close == RawWebSocket.Close(code: 1008, reason: "Invalid device id"))
        }
    }

    @Test func signalingListenerAnswersHealthAndJSON404() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(registry.webSocketPort)/healthz")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: data, as: UTF8.self).contains("\"ok\""))
            let (_, missing) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(registry.webSocketPort)/nope")!)
            #expect((missing as? HTTPURLResponse)?.statusCode == 404)
        }
    }
}
