import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `registry` binary as users do, capturing its output.
final class RegistryProcess: @unchecked Sendable {
    /// The package root.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `registry` executable next to the test bundle (built by `swift build` / `swift test`).
    static var binary: URL {
        get throws {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("registry"),
                packageRoot.appendingPathComponent(".build/debug/registry"),
            ]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw ProcessFailure(message: "no registry binary at \(candidates.map(\.path)); run swift build first")
            }
            return found
        }
    }

    struct ProcessFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The result of a command that ran to completion.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let lock = NSLock()
    private var collectedOut = Data()
    private var collectedErr = Data()

    /// Starts `registry` (the built one, or `binary`) with `arguments` and the given environment (added to a minimal
    /// base one).
    init(_ arguments: [String], environment: [String: String] = [:], binary: URL? = nil) throws {
        process.executableURL = try binary ?? Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = Self.packageRoot
        var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        base.merge(environment) { _, new in new }
        process.environment = base
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in self?.append(handle.availableData, error: false) }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in self?.append(handle.availableData, error: true) }
        try process.run()
    }

    private func append(_ data: Data, error: Bool) {
        lock.withLock { if error { collectedErr.append(data) } else { collectedOut.append(data) } }
    }

    /// Everything written so far to stdout and stderr.
    var text: (stdout: String, stderr: String) {
        lock.withLock { (String(decoding: collectedOut, as: UTF8.self), String(decoding: collectedErr, as: UTF8.self)) }
    }

    /// Runs a command to completion (at most `timeout` seconds).
    static func run(_ arguments: [String], environment: [String: String] = [:], binary: URL? = nil, timeout: Double = 30) async throws -> Outcome {
        let process = try RegistryProcess(arguments, environment: environment, binary: binary)
        let status = try await process.waitForExit(timeout: timeout)
        let (stdout, stderr) = process.text
        return Outcome(status: status, stdout: stdout, stderr: stderr)
    }

    /// Waits for the process to exit; kills it and throws after `timeout` seconds.
    func waitForExit(timeout: Double) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw ProcessFailure(message: "registry did not exit within \(timeout)s; output: \(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(50))  // let the pipes drain
        return process.terminationStatus
    }

    /// Matches `registry serve`'s JSON log line announcing the HTTP listener; captures the port.
    static let httpListeningPattern = #""event":"HTTP API listening".*"port":"([0-9]+)""#

    /// Polls the output until `pattern` (a regex with one capture group) appears; returns the capture.
    func waitForOutput(matching pattern: String, timeout: Double = 20) async throws -> String {
        let regex = try Regex(pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let combined = text.stdout + text.stderr
            if let match = try regex.firstMatch(in: combined), match.count > 1, let capture = match[1].substring {
                return String(capture)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessFailure(message: "no output matching \(pattern); output: \(text)")
    }

    /// A TCP port that is free on 127.0.0.1 right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessFailure(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ProcessFailure(message: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sends SIGTERM.
    func terminate() { process.terminate() }

    deinit {
        if process.isRunning { process.terminate() }
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
    }
}

/// A minimal HTTP client for process tests.
enum HTTP {
    struct Reply {
        var status: Int
        var body: String
        /// Response headers, names lowercased.
        var headers: [String: String] = [:]
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
    }

    static func request(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields["\(name)".lowercased()] = "\(value)" }
        return Reply(status: http?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self), headers: fields)
    }
}
