import DocumentStore
import Foundation
import NIOWebSocket
import P2PRegistry
import ServerConfig
import ServerEngine
import Testing
import WSCore

/// The reload edits an open signaling socket does not follow: the signaling settings (read once per connection) and
/// `websocket.maxFrameSize` (the socket's frame limit is set at its upgrade). A reload puts them in force for new
/// sockets and reports them as needing a reconnect, never as applied.
@Suite(.serialized) struct ReconnectReloadTests {
    @Test func signalingSettingsApplyToNewSocketsAndAreReportedAsNeedingAReconnect() async throws {
        let registry = try await LiveRegistry.start(environment: LiveReloadTests.environment)
        try await stopping(registry) {
            let copy = try LiveReloadTests.ConfigCopy()
            defer { copy.remove() }
            let (a, b) = try await SignalingRelayTests.pair(registry)
            try copy.editLimits("messageTypes: [offer, answer, ice-candidate]", "messageTypes: [offer, answer, ice-candidate, bye]")

            let outcome = registry.engine.reloadConfiguration(loader: copy.loader)
            guard case .applied(let reload, let version) = outcome else { throw TestFailure("reload not applied: \(outcome)") }
            #expect(version.number == 2)
            #expect(reload.applied.isEmpty, "\(reload.applied)")
            #expect(reload.needsReconnect == ["settings.messageTypes: [offer, answer, ice-candidate] → [offer, answer, ice-candidate, bye]"])
            #expect(reload.needsRestart.isEmpty, "\(reload.needsRestart)")

            // The socket opened before the reload keeps the types it started with, as reported.
            a.signal("bye", to: "peer_b")
            let atA = try await a.waitForFrames(2)
            #expect(atA.last?["code"] as? String == "unknown_type", "\(atA)")
            // A socket opened after it relays the new type.
            let carol = try await registry.token("carol")
            #expect(try await registry.announce("net1", peerId: "peer_c", token: carol) == 200)
            let c = TestSocket.connect(registry, deviceId: "peer_c", token: carol)
            try await c.ready()
            c.signal("bye", to: "peer_b")
            let atB = try await b.waitForFrames(2)
            #expect(atB.last?["type"] as? String == "bye", "\(atB)")
            #expect(atB.last?["fromPeerId"] as? String == "peer_c")
        }
    }

    @Test func aLargerFrameLimitAppliesToNewSocketsAndIsNotReportedAsApplied() async throws {
        let registry = try await LiveRegistry.start(environment: LiveReloadTests.environment)
        try await stopping(registry) {
            let copy = try LiveReloadTests.ConfigCopy()
            defer { copy.remove() }
            let (a, b) = try await SignalingRelayTests.pair(registry)
            try copy.editLimits("maxFrameSize: ${SIGNALING_MAX_FRAME_SIZE:-64KiB}", "maxFrameSize: 2MiB")
            // The receiver buffers the large message instead of sending it to the offline queue.
            try copy.editLimits("sendBuffer: 256KiB", "sendBuffer: 4MiB")

            let outcome = registry.engine.reloadConfiguration(loader: copy.loader)
            guard case .applied(let reload, _) = outcome else { throw TestFailure("reload not applied: \(outcome)") }
            #expect(reload.needsReconnect == ["websocket.maxFrameSize: 64KiB → 2MiB"], "\(reload.needsReconnect)")
            #expect(reload.applied == ["websocket.sendBuffer: 256KiB → 4MiB"], "\(reload.applied)")
            #expect(registry.engine.configuration.limits.maxFrameSize == 2 << 20)

            let sdp = String(repeating: "x", count: 1_500_000)
            // A socket opened after the reload takes a message over the old frame limit.
            let carol = try await registry.token("carol")
            #expect(try await registry.announce("net1", peerId: "peer_c", token: carol) == 200)
            let c = TestSocket.connect(registry, deviceId: "peer_c", token: carol)
            try await c.ready()
            c.signal("offer", to: "peer_b", data: #"{"sdp":"\#(sdp)"}"#)
            let atB = try await b.waitForFrames(2)
            #expect((atB.last?["data"] as? [String: Any])?["sdp"] as? String == sdp)
            // The socket opened before it keeps the frame limit it started with until it reconnects.
            a.signal("offer", to: "peer_b", data: #"{"sdp":"\#(sdp)"}"#)
            let close = try await a.closeFrame()
            #expect(close?.closeCode == .messageTooLarge, "\(String(describing: close))")
        }
    }
}
