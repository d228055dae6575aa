import DocumentStore
import Foundation

/// Asks a running instance, through its control socket (``ControlSocketService``), to act now.
///
/// ```swift
/// let client = ControlClient(path: socketPath, token: try await authenticator.mint(user: ControlClient.controlUser, networks: [], ttl: .seconds(60)))
/// let report = try client.runJob("presenceSweep")
/// print(report.changed, report.instance)
/// ```
public struct ControlClient: Sendable {
    /// The user the control token must name (with an empty `networks` list).
    public static let controlUser = ControlRoutes.controlUser

    /// What an instance answered for one job run.
    public struct JobRunReport: Sendable, Equatable {
        /// The job's name.
        public var job: String
        /// The instance that ran it.
        public var instance: String
        /// How many documents the run changed.
        public var changed: Int
        /// The job's details, such as the cut-off time.
        public var details: [String: String]
        /// How long the run took, in milliseconds.
        public var durationMs: Double
    }

    /// Why the instance could not be asked, or refused.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// True when no instance listens on the socket (no socket file, or a stale one).
        public var noInstance: Bool
        /// The instance's HTTP status, when it answered.
        public var status: Int?
        public var description: String
    }

    /// The control socket's path.
    public let path: String
    /// The control token (see ``controlUser``); nil sends none.
    public let token: String?
    /// How long to wait for the answer.
    public let timeout: Duration

    /// Creates a client for the instance at `path`.
    public init(path: String, token: String?, timeout: Duration = .seconds(600)) {
        self.path = path
        self.token = token
        self.timeout = timeout
    }

    /// Runs the job `name` on the instance now and returns its report; throws ``Failure`` when no instance answers or
    /// it refused (unknown job, a run in flight, the job failed).
    public func runJob(_ name: String) throws(Failure) -> JobRunReport {
        let escaped = name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
        let (status, body) = try exchange(method: "POST", path: "/jobs/\(escaped)/run")
        guard case .document(let document)? = try? JSONParser.parse(body) else {
            throw Failure(noInstance: false, status: status, description: "the instance answered \(status) without JSON")
        }
        guard status == 200 else {
            let message = document["error"]?.stringValue ?? "status \(status)"
            throw Failure(noInstance: false, status: status, description: message)
        }
        var details: [String: String] = [:]
        if case .document(let fields)? = document["details"] {
            for (key, value) in fields { details[key] = value.stringValue ?? "\(value)" }
        }
        return JobRunReport(
            job: document["job"]?.stringValue ?? name,
            instance: document["instance"]?.stringValue ?? "?",
            changed: document["changed"]?.intValue.map(Int.init) ?? 0,
            details: details,
            durationMs: document["durationMs"]?.doubleValue ?? 0
        )
    }

    /// One HTTP/1.1 request over the socket; returns the status and body.
    private func exchange(method: String, path requestPath: String) throws(Failure) -> (Int, [UInt8]) {
        let socket: UnixSocket
        do {
            socket = try UnixSocket(path: path, timeout: timeout)
        } catch {
            throw Failure(noInstance: error.nobodyListens, status: nil, description: "cannot connect to \(path): \(error.description)")
        }
        defer { socket.close() }
        var head = "\(method) \(requestPath) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        head += "\r\n"
        let response: [UInt8]
        do {
            try socket.write(Array(head.utf8))
            response = try socket.readToEnd()
        } catch {
            throw Failure(noInstance: false, status: nil, description: "no answer from \(path): \(error.description)")
        }
        return try Self.parse(response)
    }

    /// The status and body of an HTTP/1.1 response with a `Content-Length` (or read to the end).
    static func parse(_ response: [UInt8]) throws(Failure) -> (Int, [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = response.indices.first(where: { response[$0...].starts(with: separator) }) else {
            throw Failure(noInstance: false, status: nil, description: "malformed answer from the control socket")
        }
        let head = String(decoding: response[..<end], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else {
            throw Failure(noInstance: false, status: nil, description: "malformed status line from the control socket: \(statusLine)")
        }
        var body = Array(response[(end + 4)...])
        let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
        if let lengthLine, let length = Int(lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)), length <= body.count
        {
            body = Array(body.prefix(length))
        }
        return (status, body)
    }
}
