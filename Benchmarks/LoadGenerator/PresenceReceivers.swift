import Foundation
import NIOCore
import Synchronization

/// The join latencies one event loop's subscribers saw; touched only on that loop.
final class PresenceLoopState: WebSocketReceiver, @unchecked Sendable {
    let sentAt: PresenceSendTimes
    var states = 0
    var joins = 0
    var errorFrames = 0
    var closedEarly = 0
    var latencies: [UInt32] = []

    init(sentAt: PresenceSendTimes) {
        self.sentAt = sentAt
        latencies.reserveCapacity(1 << 20)
    }

    func received(text: ByteBuffer, on socket: WebSocketClientHandler) {
        let now = wallNanos()
        let view = text.readableBytesView
        if view.starts(with: "{\"type\":\"presence_state\"".utf8) {
            states += 1
        } else if view.starts(with: "{\"type\":\"presence_diff\"".utf8) {
            for joiner in Self.joiners(text) {
                guard let sent = sentAt.time(of: joiner) else { continue }
                joins += 1
                latencies.append(UInt32(min((now &- sent) / 1000, UInt64(UInt32.max))))
            }
        } else if view.starts(with: "{\"error\"".utf8) {
            errorFrames += 1
        }
    }

    func closed(_ socket: WebSocketClientHandler, code: Int?) { closedEarly += 1 }

    /// The numbers n of the `"deviceId":"peer_pj_<n>"` entries in a diff.
    static func joiners(_ text: ByteBuffer) -> [Int] {
        let needle = Array("\"deviceId\":\"peer_pj_".utf8)
        return text.withUnsafeReadableBytes { bytes -> [Int] in
            var found: [Int] = []
            var index = 0
            while index + needle.count < bytes.count {
                if bytes[index] == needle[0], bytes[index + 1] == needle[1], zip(needle.indices, needle).allSatisfy({ bytes[index + $0] == $1 }) {
                    var cursor = index + needle.count
                    var value = 0
                    while cursor < bytes.count, bytes[cursor] >= 48, bytes[cursor] <= 57 {
                        value = value * 10 + Int(bytes[cursor] - 48)
                        cursor += 1
                    }
                    found.append(value)
                    index = cursor
                } else {
                    index += 1
                }
            }
            return found
        }
    }
}

/// When each joining device's announce was sent (wall-clock nanoseconds), by its number.
final class PresenceSendTimes: Sendable {
    private let times: Mutex<[UInt64]>

    init(count: Int) { times = Mutex(Array(repeating: 0, count: count)) }

    func record(_ number: Int, at time: UInt64) { times.withLock { $0[number] = time } }

    func time(of number: Int) -> UInt64? {
        times.withLock { number < $0.count && $0[number] > 0 ? $0[number] : nil }
    }
}
