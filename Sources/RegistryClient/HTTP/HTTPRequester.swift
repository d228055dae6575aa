import Foundation
import Logging

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends the client's HTTP requests: the bearer token (asked again once after a `401`), JSON bodies, and the
/// server's error answers turned into `RegistryError`.
struct HTTPRequester: Sendable {
    /// One answer: status, headers (names lowercased) and body.
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
    }

    let baseURL: URL
    let session: URLSession
    let tokens: TokenCache
    let timeout: Duration
    let logger: Logger

    /// Sends the request with the current token; on `401` asks the provider for a new token and sends it once more.
    /// Answers below 400 (and 304) are returned; errors are thrown.
    func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var token = try await tokens.current()
        var reply = try await exchange(method, path, body: body, headers: headers, token: token)
        if reply.status == 401 {
            logger.info("registry refused the token; asking the token provider for a new one", metadata: ["path": "\(path)"])
            token = try await tokens.refresh(replacing: token)
            reply = try await exchange(method, path, body: body, headers: headers, token: token)
        }
        guard reply.status < 400 else { throw Self.error(for: reply) }
        return reply
    }

    private func exchange(_ method: String, _ path: String, body: Data?, headers: [String: String], token: String) async throws -> Reply {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/" + path) else { throw RegistryError.transport("invalid path \(path)") }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout.seconds)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw RegistryError.transport("\(method) \(path): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw RegistryError.invalidResponse("\(method) \(path): not an HTTP answer") }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        logger.trace("registry answered", metadata: ["method": "\(method)", "path": "\(path)", "status": "\(http.statusCode)"])
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    /// The `RegistryError` of an error answer.
    static func error(for reply: Reply) -> RegistryError {
        let decoded = try? JSONDecoder().decode(ErrorBody.self, from: reply.body)
        let message = decoded?.error ?? String(decoding: reply.body.prefix(200), as: UTF8.self)
        let retryAfter = reply.headers["retry-after"].flatMap(Int.init).map { Duration.seconds($0) }
        switch reply.status {
        case 400 where decoded?.errors != nil: return .validation(decoded?.errors ?? [])
        case 401: return .unauthorized(message)
        case 403: return .forbidden(message)
        case 404: return .notFound(message)
        case 429: return .rateLimited(message, retryAfter: retryAfter)
        case 503: return .unavailable(message, retryAfter: retryAfter)
        default: return .status(reply.status, message)
        }
    }

    /// `{"error":"…"}` or `{"errors":[…]}`.
    private struct ErrorBody: Decodable {
        var error: String?
        var errors: [ValidationIssue]?
    }
}
