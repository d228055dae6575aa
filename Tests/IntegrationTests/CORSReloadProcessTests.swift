import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP on a running `registry serve` changes which browser origins may call the API (`http.cors.allowOrigins`,
/// routes.yaml) and open a signaling socket (`websocket.allowedOrigins`, limits.yaml), and the reload log lists both.
/// (What the socket then answers is tested in-process: CORSTests.)
@Suite(.serialized) struct CORSReloadProcessTests {
    static let page = "http://app.example:8000"

    static func preflight(port: String) async throws -> HTTP.Reply {
        try await HTTP.request(
            "OPTIONS",
            "http://127.0.0.1:\(port)/network/net1/peers",
            headers: ["Origin": page, "Access-Control-Request-Method": "GET"]
        )
    }

    @Test func sighupAppliesTheAllowedOriginsOfBothListeners() async throws {
        let directory = try ReloadProcessTests.configCopy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, port) = try await ReloadProcessTests.startServer(directory: directory)
        defer { server.terminate() }
        let before = try await Self.preflight(port: port)
        #expect(before.status == 405, "CORS is off in the shipped files: \(before.body)")
        #expect(before.headers["access-control-allow-origin"] == nil)

        try ReloadProcessTests.edit(directory.appendingPathComponent("routes.yaml"), "allowOrigins: []", "allowOrigins: ['\(Self.page)']")
        try ReloadProcessTests.edit(directory.appendingPathComponent("limits.yaml"), "allowedOrigins: []", "allowedOrigins: [https://other.example]")
        kill(server.process.processIdentifier, SIGHUP)
        _ = try await ReloadProcessTests.waitForConfigVersion(2, port: port)

        let after = try await Self.preflight(port: port)
        #expect(after.status == 204, "\(after.body)")
        #expect(after.headers["access-control-allow-origin"] == Self.page)
        #expect(after.headers["access-control-allow-methods"] == "GET, HEAD")
        // The reload's log line comes just after the version moves (the OpenAPI document is generated in between).
        _ = try await server.waitForOutput(matching: #""event":"(configuration reloaded)""#)
        #expect(server.text.stdout.contains("http.cors.allowOrigins: [] → [\(Self.page)]"), "\(server.text.stdout)")
        #expect(server.text.stdout.contains("websocket.allowedOrigins: []"), "\(server.text.stdout)")
    }
}
