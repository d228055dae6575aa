import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP on a running `registry serve` with edits an open signaling socket does not follow (`websocket.maxFrameSize`,
/// the signaling settings read once per connection): the log reports them as applying to new connections, and the
/// `configuration reloaded` event does not list them as applied.
@Suite(.serialized) struct ReconnectReloadProcessTests {
    @Test func frameLimitAndSignalingSettingsAreLoggedAsNeedingAReconnect() async throws {
        let directory = try ReloadProcessTests.configCopy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let limits = directory.appendingPathComponent("limits.yaml")
        let (server, port) = try await ReloadProcessTests.startServer(directory: directory)
        defer { server.terminate() }

        try ReloadProcessTests.edit(limits, "maxFrameSize: ${SIGNALING_MAX_FRAME_SIZE:-64KiB}", "maxFrameSize: 128KiB")
        try ReloadProcessTests.edit(limits, "messageTypes: [offer, answer, ice-candidate]", "messageTypes: [offer, answer, ice-candidate, bye]")
        try ReloadProcessTests.edit(limits, "maxRateViolations: 20", "maxRateViolations: 30")
        kill(server.process.processIdentifier, SIGHUP)
        _ = try await ReloadProcessTests.waitForConfigVersion(2, port: port)

        let reconnect = try await server.waitForOutput(
            matching: #"("event":"configuration edits apply to new connections[^\n]*)"#
        )
        #expect(reconnect.contains("websocket.maxFrameSize: 64KiB → 128KiB"), "\(reconnect)")
        #expect(reconnect.contains("settings.messageTypes: [offer, answer, ice-candidate] → [offer, answer, ice-candidate, bye]"), "\(reconnect)")
        let applied = try await server.waitForOutput(matching: #"("event":"configuration reloaded"[^\n]*)"#)
        #expect(applied.contains("websocket.maxRateViolations: 20 → 30"), "\(applied)")
        #expect(!applied.contains("maxFrameSize"), "\(applied)")
        #expect(!applied.contains("messageTypes"), "\(applied)")

        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)
    }
}
