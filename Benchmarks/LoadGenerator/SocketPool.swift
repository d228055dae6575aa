import NIOCore
import NIOPosix
import Synchronization

/// Many signaling sockets of one generator process, spread over its event loops and source addresses.
final class SocketPool: Sendable {
    let loops: [any EventLoop]
    let handlers: [WebSocketClientHandler]
    let tokens: [String]
    let deviceIds: [String]

    /// Sockets `i` and `i + 1` … `i + grouping - 1` share a loop (the two sides of a relay pair).
    let grouping: Int

    init(
        group: any EventLoopGroup,
        deviceIds: [String],
        tokens: [String],
        grouping: Int = 1,
        receiver: ((Int) -> (any WebSocketReceiver)?)? = nil
    ) {
        self.grouping = grouping
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        self.loops = loops
        self.deviceIds = deviceIds
        self.tokens = tokens
        self.handlers = deviceIds.indices.map { WebSocketClientHandler(index: $0, receiver: receiver?($0)) }
    }

    func loopIndex(for index: Int) -> Int { (index / grouping) % loops.count }
    func loop(for index: Int) -> any EventLoop { loops[loopIndex(for: index)] }

    struct OpenResult {
        var connected = 0
        var failed = 0
        var failures: [String: Int] = [:]
        var firstStart: UInt64 = 0
        var lastDone: UInt64 = 0
        var seconds: Double { Double(lastDone &- firstStart) / 1e9 }
    }

    /// Opens every socket, at most `window` handshakes in flight; socket `i` binds to `sources[i / perSource]`.
    func openAll(host: String, port: Int, pathPrefix: String, sources: [String], perSource: Int, window: Int) async -> OpenResult {
        final class Progress: Sendable {
            let next = Mutex(0)
            let result = Mutex(OpenResult())
        }
        let progress = Progress()
        let start = wallNanos()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, min(window, handlers.count)) {
                group.addTask {
                    while true {
                        let index = progress.next.withLock { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard index < self.handlers.count else { return }
                        let source = sources.isEmpty ? nil : sources[min(index / max(perSource, 1), sources.count - 1)]
                        do {
                            _ = try await openWebSocket(
                                on: self.loop(for: index),
                                host: host,
                                port: port,
                                path: "\(pathPrefix)/\(self.deviceIds[index])",
                                token: self.tokens[index],
                                source: source,
                                socket: self.handlers[index]
                            ).get()
                            progress.result.withLock { $0.connected += 1 }
                        } catch {
                            let reason = String("\(error)".prefix(80))
                            progress.result.withLock {
                                $0.failed += 1
                                $0.failures[reason, default: 0] += 1
                            }
                        }
                    }
                }
            }
        }
        return progress.result.withLock {
            $0.firstStart = start
            $0.lastDone = wallNanos()
            return $0
        }
    }

    /// Sockets still open and pings answered, read on each socket's loop.
    func census() async throws -> (open: Int, pings: Int, closeCodes: [Int: Int]) {
        var open = 0
        var pings = 0
        var codes: [Int: Int] = [:]
        for (loopIndex, loop) in loops.enumerated() {
            let handlers = self.handlers.filter { self.loopIndex(for: $0.index) == loopIndex }
            let part = try await loop.submit { () -> (Int, Int, [Int: Int]) in
                var open = 0
                var pings = 0
                var codes: [Int: Int] = [:]
                for handler in handlers {
                    if handler.isOpen { open += 1 }
                    pings += handler.pings
                    if let code = handler.closeCode { codes[code, default: 0] += 1 }
                }
                return (open, pings, codes)
            }.get()
            open += part.0
            pings += part.1
            codes.merge(part.2, uniquingKeysWith: +)
        }
        return (open, pings, codes)
    }

    /// Closes every socket with 1000.
    func closeAll() async throws {
        for (loopIndex, loop) in loops.enumerated() {
            let handlers = self.handlers.filter { self.loopIndex(for: $0.index) == loopIndex }
            try await loop.submit {
                for handler in handlers { handler.close() }
            }.get()
        }
    }
}
