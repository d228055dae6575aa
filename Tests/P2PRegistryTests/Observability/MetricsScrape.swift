import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A parsed `GET /metrics` answer: each sample line's series (`name{labels}`) and value.
struct MetricsScrape {
    let text: String
    let samples: [String: Double]

    /// Scrapes the registry's HTTP port.
    static func scrape(_ registry: LiveRegistry) async throws -> MetricsScrape {
        let url = try #require(URL(string: "http://127.0.0.1:\(registry.httpPort)/metrics"))
        let (data, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let contentType = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") ?? ""
        #expect(contentType.hasPrefix("text/plain"))
        return MetricsScrape(text: String(decoding: data, as: UTF8.self))
    }

    init(text: String) {
        self.text = text
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        self.samples = samples
    }

    /// The value of a series, such as `http_requests_total{method="POST",route="/x",status="2xx"}`; nil when absent.
    subscript(_ series: String) -> Double? { samples[series] }

    /// The series of the metric family `name` (its samples whose name is exactly `name`).
    func series(of name: String) -> [String: Double] {
        samples.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
    }

    /// Polls until `condition` holds for a scrape (at most ``TestSocket/patience``); returns the last scrape.
    static func waitFor(_ registry: LiveRegistry, _ condition: (MetricsScrape) -> Bool) async throws -> MetricsScrape {
        let deadline = ContinuousClock.now + TestSocket.patience
        var last = try await scrape(registry)
        while !condition(last), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            last = try await scrape(registry)
        }
        return last
    }
}
