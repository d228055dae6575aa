import Foundation
import Logging
import ServerEngine
import Synchronization
import Testing

/// The fields of the JSON log: one request id, and a `source` on library events only.
@Suite struct JSONLogFieldsTests {
    /// Logs one event through a ``JSONLogHandler`` and returns its fields.
    static func event(metadata: Logger.Metadata, source: String? = nil) throws -> [String: Any] {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "t") { _ in JSONLogHandler(service: "s") { line in lines.withLock { $0.append(line) } } }
        if let source {
            logger.info("event", metadata: metadata, source: source)
        } else {
            logger.info("event", metadata: metadata)
        }
        let line = try #require(lines.withLock { $0.first })
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func hummingbirdsRequestIdIsNotWrittenBesideOurs() throws {
        let event = try Self.event(metadata: ["requestId": "ours", "hb.request.id": "theirs", "x": "1"])
        #expect(event["requestId"] as? String == "ours")
        #expect(event["data"] as? [String: String] == ["x": "1"])
    }

    @Test func hummingbirdsRequestIdIsTheRequestIdOfAnEventWithoutOurs() throws {
        let event = try Self.event(metadata: ["hb.request.id": "theirs"])
        #expect(event["requestId"] as? String == "theirs")
        #expect(event["data"] as? [String: String] == [:])
    }

    @Test func libraryEventsNameTheirSourceAndOursDoNot() throws {
        #expect(try Self.event(metadata: [:], source: "HummingbirdCore")["source"] as? String == "HummingbirdCore")
        #expect(try Self.event(metadata: [:], source: "ServiceLifecycle")["source"] as? String == "ServiceLifecycle")
        #expect(try Self.event(metadata: [:], source: "P2PRegistry")["source"] == nil)
        #expect(try Self.event(metadata: [:])["source"] == nil)
    }
}
