import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One request to a live registry's HTTP API as a browser page would send it, with every header of the answer.
struct CORSExchange {
    let status: Int
    let headers: [String: String]
    let json: [String: Any]

    /// The value of a response header (case-insensitive), nil when absent.
    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// The answer's `Vary` names, lowercased.
    var varies: [String] {
        (header("Vary") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// The `Access-Control-*` headers of the answer, by lowercased name.
    var corsHeaders: [String: String] {
        Dictionary(
            headers.filter { $0.key.lowercased().hasPrefix("access-control-") }.map { ($0.key.lowercased(), $0.value) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// Sends `method path` to 127.0.0.1:`port` with `headers` (an `Origin`, a token) and an optional JSON body.
    static func send(
        _ method: String,
        _ path: String,
        port: Int,
        headers: [String: String] = [:],
        body: String? = nil
    ) async throws -> CORSExchange {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields["\(name)"] = "\(value)" }
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return CORSExchange(status: http?.statusCode ?? 0, headers: fields, json: json)
    }
}
