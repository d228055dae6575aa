import Foundation
import Logging
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Unauthenticated requests for unknown paths cannot fill the log: they are logged at debug level, and counted
/// (issue 19, item 7: 46k of them wrote 12.9 MB of info lines in 5 s).
@Suite(.serialized) struct NotFoundFloodLogTests {
    static let flood = 300

    @Test func aFloodOf404sOnBothPortsWritesNoInfoLinesAndIsCounted() async throws {
        let capture = LogCapture()
        let registry = try await LiveRegistry.start(logger: capture.logger(level: .info))
        try await stopping(registry) {
            let before = capture.text.count
            for index in 0..<Self.flood {
                let port = index.isMultiple(of: 2) ? registry.httpPort : registry.webSocketPort
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/wp-admin/\(index).php")!)
                request.httpMethod = index.isMultiple(of: 4) ? "POST" : "GET"
                let (_, response) = try await URLSession.shared.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 404)
            }
            // A request that is answered at info level after the flood: every line of the flood would be before it.
            #expect(try await registry.http("GET", "/network/net1/peers", token: registry.token("alice")).status == 200)
            let flood = capture.text[before...]
            let lines = flood.filter { !$0.contains(#""route":"/network/:networkId/peers""#) }
            #expect(lines.count <= 2, "\(lines.prefix(5))")
            let metrics = try await MetricsScrape.scrape(registry)
            let unmatched = metrics.series(of: "http_requests_total").filter { $0.key.contains(#"route="unmatched""#) }.values.reduce(0, +)
            #expect(unmatched == Double(Self.flood / 2))
        }
    }
}
