import DocumentStore
import Foundation
import NetworkTestSupport
import ServerEngine
import Testing

/// What the signaling port answers a client that cannot have a socket, so the client knows what to do next: an
/// expired token is told apart from an invalid one (refresh, rather than give up), a plain GET is told to upgrade,
/// an unknown path is a JSON 404.
@Suite(.serialized) struct SignalingAnswersTests {
    @Test func expiredTokenClosesWithItsOwnReasonAlsoWhenItVerifiedBefore() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
        let registry = try await LiveRegistry.start(clock: clock)
        try await stopping(registry) {
            let port = registry.webSocketPort

            // Never seen by the server: minted an hour and a second before now, for an hour.
            let stale = try await JWTAuthenticator(secret: RegistryHarness.secret, clock: ManualWallClock(clock.now().addingTimeInterval(-3601)))
                .mint(user: "alice")
            let neverSeen = try await RawWebSocket.firstClose(port: port, path: "/signaling/peer_a", headers: ["Authorization": "Bearer \(stale)"])
            #expect(neverSeen == RawWebSocket.Close(code: 1008, reason: "Authentication token expired"))

            // Verified once (then refused for its device id), so remembered by the process; an hour later it has expired.
            let token = try await registry.token("alice")
            let verified = try await RawWebSocket.firstClose(port: port, path: "/signaling/not-a-peer?token=\(token)")
            #expect(verified == RawWebSocket.Close(code: 1008, reason: "Invalid device id"))
            clock.advance(by: 3601)
            let remembered = try await RawWebSocket.firstClose(port: port, path: "/signaling/peer_a?token=\(token)")
            #expect(remembered == RawWebSocket.Close(code: 1008, reason: "Authentication token expired"))

            // A token that is wrong, not old, keeps the other reason.
            let forged = try await JWTAuthenticator(secret: "another-secret-0123456789abcdef0123", clock: clock).mint(user: "alice")
            let invalid = try await RawWebSocket.firstClose(port: port, path: "/signaling/peer_a?token=\(forged)")
            #expect(invalid == RawWebSocket.Close(code: 1008, reason: "Invalid authentication token"))
        }
    }

    @Test func plainGetOfASignalingPathIs426WithUpgradeHeaderAndJSON() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let answer = try await PlainHTTP.exchange(port: registry.webSocketPort, "GET /signaling/peer_a HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(answer.status == 426)
            #expect(answer.header("upgrade") == "websocket")
            #expect(answer.header("content-type") == "application/json; charset=utf-8")
            #expect(answer.body == #"{"error":"Upgrade Required: open a WebSocket to this path (Connection: Upgrade, Upgrade: websocket)"}"#)
        }
    }

    @Test func upgradeToAnUnknownPathIs404JSON() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let token = try await registry.token("alice")
            let port = registry.webSocketPort
            let request = WebSocketWire.upgradeRequest(path: "/nope/peer_a", port: port, headers: ["Authorization": "Bearer \(token)"])
            let answer = try await PlainHTTP.exchange(port: port, request)
            #expect(answer.status == 404)
            #expect(answer.header("content-type") == "application/json; charset=utf-8")
            #expect(answer.body == #"{"error":"Not found: GET /nope/peer_a"}"#)
            let plain = try await PlainHTTP.exchange(port: port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(plain.status == 404)
            #expect(plain.body == #"{"error":"Not found: GET /nope"}"#)
        }
    }
}

/// One HTTP request over a raw loopback socket and the server's answer, read to the end of its `Content-Length`.
enum PlainHTTP {
    struct Answer {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    }

    static func exchange(port: Int, _ request: String) async throws -> Answer {
        try await BlockingIO.run {
            let socket = try LoopbackSocket.connect(port: port, receiveTimeout: 15)
            try socket.write(request)
            let head = try socket.readHead()
            let lines = head.split(separator: "\r\n")
            let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
            let headers = lines.dropFirst().compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            let length = headers.first { $0.0 == "content-length" }.flatMap { Int($0.1) } ?? 0
            guard socket.fill(length) else { throw TestFailure("the body ended before \(length) bytes") }
            return Answer(status: status, headers: headers, body: String(decoding: socket.take(length), as: UTF8.self))
        }
    }
}
