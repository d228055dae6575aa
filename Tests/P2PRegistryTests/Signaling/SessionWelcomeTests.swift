import Foundation
import NetworkTestSupport
import Testing

/// The socket-accepted handshake (*added*) through the real server: `session_hello` is answered with
/// `session_welcome` once the socket is accepted, also when it was sent with the upgrade, before the server decided;
/// a refused socket gets its close and no welcome; a hello is not relayed and never counts as an invalid frame.
@Suite(.serialized) struct SessionWelcomeTests {
    @Test(arguments: RegistryBackend.all) func helloIsAnsweredWithWelcome(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            // The hello goes out at once, as a client does: the server reads it only after it accepted the socket.
            let announced = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            announced.send(#"{"type":"session_hello"}"#)
            let welcome = try await announced.frame(ofType: "session_welcome")
            #expect(welcome["deviceId"] as? String == "peer_a")
            let timestamp = try #require(welcome["timestamp"] as? Int)
            #expect(abs(Double(timestamp) / 1000 - Date().timeIntervalSince1970) < 60)
            #expect(Set(welcome.keys) == ["type", "deviceId", "timestamp"])
            #expect(announced.frames.count == 1, "the welcome is the only answer: \(announced.frames)")

            // A device nobody announced is served too (it can signal once announced): it is welcomed alike. Hellos are
            // answered every time and never count as invalid frames (more than 10 would close the socket).
            let unannounced = TestSocket.connect(registry, deviceId: "peer_new", token: alice, viaQuery: true)
            for _ in 0..<12 { unannounced.send(#"{"type":"session_hello"}"#) }
            #expect(try await unannounced.frame(ofType: "session_welcome", number: 12)["deviceId"] as? String == "peer_new")
            #expect(unannounced.frames.allSatisfy { $0["type"] as? String == "session_welcome" })
            try await unannounced.ready()  // the socket is still open and answering
        }
    }

    @Test func aRefusedSocketGetsItsCloseAndNoWelcome() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let mallory = try await registry.token("mallory")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            let port = registry.webSocketPort
            let (texts, close) = try await BlockingIO.run { () -> ([String], WebSocketWire.Frame?) in
                let socket = try LoopbackSocket.connect(port: port, receiveTimeout: 15)
                try socket.write(WebSocketWire.upgradeRequest(path: "/signaling/peer_a", port: port, headers: ["Authorization": "Bearer \(mallory)"]))
                try socket.write(WebSocketWire.maskedText(#"{"type":"session_hello"}"#))
                let head = try socket.readHead()
                guard head.hasPrefix("HTTP/1.1 101") else { throw TestFailure("upgrade refused: \(head)") }
                var texts: [String] = []
                while let frame = socket.readFrame() {
                    if frame.opcode == 0x1 { texts.append(frame.text) }
                    if frame.opcode == 0x8 { return (texts, frame) }
                }
                return (texts, nil)
            }
            #expect(texts.isEmpty, "\(texts)")
            #expect(close?.closeCode == 1008)
            #expect(close?.closeReason == "Device belongs to another user")
        }
    }
}
