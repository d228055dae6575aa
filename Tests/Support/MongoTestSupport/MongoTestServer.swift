import Foundation
import Logging
import MongoStore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MongoDB server the tests of this process talk to, started once and shared.
///
/// - `MONGODB_URI` set: that server (e.g. a real MongoDB), with a database unique to this run.
/// - Otherwise: `mongoeco` (a Python MongoDB wire-protocol server) started from
///   `<package root>/.venv/bin/python scripts/mongoeco_server.py` on a free loopback port. It exits
///   when this process does (its standard input is a pipe held here; end-of-file stops it).
///   When the venv is missing, ``endpoint()`` throws, telling to run `scripts/setup-python.sh`: the
///   tests fail rather than pass without a server.
///
/// Shared by every test target that needs MongoDB (the `MongoTestSupport` target):
///
/// ```swift
/// let store = try await MongoTestServer.shared.makeStore()
/// let devices = store.collection(MongoTestServer.uniqueName("devices"))
/// _ = try await devices.insertOne(["_id": "d1"])
/// try await store.shutdown()  // awaited: the next test does not share the connection pool with this one
/// ```
public actor MongoTestServer {
    /// The server of this test process.
    public static let shared = MongoTestServer()

    /// Where to connect.
    public struct Endpoint: Sendable {
        /// The connection string (`mongodb://127.0.0.1:PORT/?directConnection=true` for mongoeco).
        public var uri: String
        /// A database name unique to this test run.
        public var database: String
        /// Whether this is the mongoeco stand-in (tests of features it lacks are skipped on it).
        public var isMongoeco: Bool
    }

    /// Why the server could not start (missing venv, crash), as a test failure message.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private var starting: Task<Endpoint, any Error>?
    private var process: Process?
    private var stdinPipe: Pipe?

    /// The endpoint, starting mongoeco on first use when `MONGODB_URI` is not set. Concurrent
    /// callers share one start; a failed start is retried by the next caller.
    public func endpoint() async throws -> Endpoint {
        if let starting { return try await starting.value }
        let task = Task { try await self.start() }
        starting = task
        do {
            return try await task.value
        } catch {
            starting = nil
            throw error
        }
    }

    private func start() async throws -> Endpoint {
        let database = "mongostore_test_" + UUID().uuidString.prefix(8).lowercased()
        if let uri = ProcessInfo.processInfo.environment["MONGODB_URI"], !uri.isEmpty {
            return Endpoint(uri: uri, database: database, isMongoeco: false)
        }
        let port = try await startMongoeco()
        return Endpoint(uri: "mongodb://127.0.0.1:\(port)/?directConnection=true", database: database, isMongoeco: true)
    }

    /// A store connected to the endpoint; the caller shuts it down.
    public func makeStore(poolSize: Int = 4) async throws -> MongoStore {
        let endpoint = try await endpoint()
        return try await MongoStore.connect(uri: endpoint.uri, database: endpoint.database, poolSize: poolSize, logger: Self.logger)
    }

    /// A collection name unique to this call, e.g. `t_upsertCounts_1a2b3c4d`.
    public nonisolated static func uniqueName(_ label: String = #function) -> String {
        let base = label.prefix { $0.isLetter || $0.isNumber }.prefix(40)
        return "t_\(base)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A logger for stores made in tests (warnings and errors only).
    public static var logger: Logger {
        var logger = Logger(label: "MongoStoreTests")
        logger.logLevel = .warning
        return logger
    }

    /// The package root: three levels above this file (`Tests/<target>/MongoTestServer.swift`).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Stops mongoeco now (it also stops by itself when this process exits).
    public func stop() {
        try? stdinPipe?.fileHandleForWriting.close()
        if let process, process.isRunning { process.terminate() }
        process = nil
        stdinPipe = nil
        starting = nil
    }

    private func startMongoeco() async throws -> Int {
        let root = Self.packageRoot
        let python = root.appendingPathComponent(".venv/bin/python")
        let script = root.appendingPathComponent("scripts/mongoeco_server.py")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw StartError(
                description: "mongoeco is not installed (\(python.path) is missing): run scripts/setup-python.sh, "
                    + "or set MONGODB_URI to a MongoDB server to test against"
            )
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("mongoeco-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        let stdin = Pipe()
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "0"]
        process.currentDirectoryURL = root
        process.standardInput = stdin
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        try? logHandle.close()
        self.process = process
        self.stdinPipe = stdin

        // The script prints `port=N` once it listens; then check that it accepts connections.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let output = String(decoding: (try? FileHandle(forReadingFrom: log).readToEnd()) ?? Data(), as: UTF8.self)
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("port=") }), let port = Int(line.dropFirst(5)),
                Self.acceptsConnections(port: port)
            {
                // The child keeps writing to the unlinked file; only a failed start keeps its log.
                try? FileManager.default.removeItem(at: log)
                return port
            }
            guard process.isRunning else {
                throw StartError(description: "mongoeco exited with status \(process.terminationStatus) before listening:\n\(output.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw StartError(description: "mongoeco did not start listening within 60 s; its log is \(log.path)")
    }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds.
    private static func acceptsConnections(port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}
