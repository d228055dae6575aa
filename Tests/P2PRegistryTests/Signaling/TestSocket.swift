import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

/// A WebSocket client for tests: connects to the signaling listener, records every text frame received,
/// sends on demand, and reports the close frame the server sent.
final class TestSocket: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        case binary([UInt8])
        case close
    }

    /// The text frames a socket received, shared with its connection task.
    final class FrameLog: Sendable {
        private let texts = Mutex<[String]>([])
        func append(_ text: String) { texts.withLock { $0.append(text) } }
        var all: [String] { texts.withLock { $0 } }
    }

    /// How long a wait for something that must happen may take before the test fails. Generous: a passing wait
    /// returns as soon as its condition holds, and the whole suite shares two cores with the servers it starts
    /// (and mongoeco), so a frame can take seconds to arrive under full load without anything being wrong.
    static let patience: Duration = .seconds(20)

    let deviceId: String
    private let received: FrameLog
    private let outgoing: AsyncStream<Outgoing>.Continuation
    private let connection: Task<WebSocketCloseFrame?, any Error>

    private init(
        deviceId: String,
        received: FrameLog,
        outgoing: AsyncStream<Outgoing>.Continuation,
        connection: Task<WebSocketCloseFrame?, any Error>
    ) {
        self.deviceId = deviceId
        self.received = received
        self.outgoing = outgoing
        self.connection = connection
    }

    /// Connects as `deviceId`. The token goes in the `Authorization` header, or in `?token=` when `viaQuery`.
    static func connect(_ registry: LiveRegistry, deviceId: String, token: String?, viaQuery: Bool = false) -> TestSocket {
        var url = "ws://127.0.0.1:\(registry.webSocketPort)/signaling/\(deviceId)"
        var headers: HTTPFields = [:]
        if let token {
            if viaQuery { url += "?token=\(token)" } else { headers[.authorization] = "Bearer \(token)" }
        }
        let (stream, continuation) = AsyncStream<Outgoing>.makeStream()
        let log = FrameLog()
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 23, additionalHeaders: headers)
        var logger = Logger(label: "test-socket")
        logger.logLevel = .critical
        let connection = Task {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 23) {
                            if case .text(let text) = message { log.append(text) }
                        }
                    }
                    group.addTask {
                        for await frame in stream {
                            switch frame {
                            case .text(let text): try await outbound.write(.text(text))
                            case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                            case .close:
                                try await outbound.close(.normalClosure, reason: nil)
                                return
                            }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        return TestSocket(deviceId: deviceId, received: log, outgoing: continuation, connection: connection)
    }

    /// Sends a text frame.
    func send(_ text: String) { outgoing.yield(.text(text)) }

    /// Sends a binary frame.
    func sendBinary(_ bytes: [UInt8]) { outgoing.yield(.binary(bytes)) }

    /// Sends a signaling message.
    func signal(_ type: String, to peer: String, data: String = #"{"sdp":"v=0"}"#) {
        send(#"{"type":"\#(type)","toPeerId":"\#(peer)","data":\#(data)}"#)
    }

    /// Closes from the client side.
    func close() { outgoing.yield(.close) }

    /// Every text frame received so far, parsed.
    var frames: [[String: Any]] {
        received.all.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Waits until at least `count` frames arrived; returns them all. Throws (failing the test that waited) when
    /// fewer than `count` arrived within `timeout`.
    @discardableResult
    func waitForFrames(_ count: Int, timeout: Duration = TestSocket.patience) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let frames = self.frames
            if frames.count >= count { return frames }
            try await Task.sleep(for: .milliseconds(5))
        }
        let frames = self.frames
        if frames.count >= count { return frames }
        throw TestFailure("socket \(deviceId) received \(frames.count) of \(count) frames within \(timeout); frames: \(frames)")
    }

    /// Waits until the server has registered this socket: a message to itself is refused with an error frame,
    /// which the server only sends once the connection is set up.
    func ready(timeout: Duration = TestSocket.patience) async throws {
        let before = frames.count
        signal("offer", to: deviceId)
        let frames: [[String: Any]]
        do {
            frames = try await waitForFrames(before + 1, timeout: timeout)
        } catch {
            throw TestFailure("socket \(deviceId) did not become ready: \(error)")
        }
        guard frames.last?["code"] as? String == "invalid_message" else {
            throw TestFailure("socket \(deviceId) did not become ready; frames: \(frames)")
        }
    }

    /// The close frame the server sent (nil if the connection ended without one), waiting at most `timeout`.
    ///
    /// Polls rather than racing `connection.value` in a task group: a group waits for all its children, and
    /// awaiting a task's value ignores cancellation, so a socket that never closes would hang the test
    /// instead of failing it.
    func closeFrame(timeout: Duration = TestSocket.patience) async throws -> WebSocketCloseFrame? {
        let outcome = Outcome()
        let connection = self.connection
        let waiter = Task {
            let result = await connection.result
            outcome.value.withLock { $0 = result }
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let result = outcome.value.withLock({ $0 }) { return try result.get() }
            try await Task.sleep(for: .milliseconds(5))
        }
        waiter.cancel()
        connection.cancel()
        throw TestFailure("socket \(deviceId) was not closed within \(timeout)")
    }

    /// The connection's end, set once by a waiting task.
    private final class Outcome: Sendable {
        let value = Mutex<Result<WebSocketCloseFrame?, any Error>?>(nil)
    }

    deinit { outgoing.finish() }
}
