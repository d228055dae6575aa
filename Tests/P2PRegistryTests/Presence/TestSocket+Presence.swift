import Foundation
import Testing

/// Waiting for presence frames and receipts in tests.
extension TestSocket {
    /// The frames received so far whose `type` is `type`.
    func frames(ofType type: String) -> [[String: Any]] {
        frames.filter { $0["type"] as? String == type }
    }

    /// Waits until the `number`th frame (from 1) of `type` arrived; returns it. Throws when it does not arrive in time.
    func frame(ofType type: String, number: Int = 1, timeout: Duration = TestSocket.patience) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = frames(ofType: type)
            if found.count >= number { return found[number - 1] }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("socket \(deviceId) received no \(type) #\(number) within \(timeout); frames: \(frames)")
    }

    /// Announces `deviceId` in `network` as `user` on `registry`, then opens its socket, ready.
    static func announced(_ deviceId: String, in network: String, as user: String, on registry: LiveRegistry) async throws -> TestSocket {
        let token = try await registry.token(user)
        #expect(try await registry.announce(network, peerId: deviceId, token: token) == 200)
        let socket = TestSocket.connect(registry, deviceId: deviceId, token: token)
        try await socket.ready()
        return socket
    }

    /// Subscribes to presence and returns the `presence_state` (the `number`th received).
    func subscribePresence(number: Int = 1) async throws -> [String: Any] {
        send(#"{"type":"presence_subscribe"}"#)
        return try await frame(ofType: "presence_state", number: number)
    }
}

/// The device ids of a presence frame's `joins` (or a state's `peers`).
func deviceIds(_ entries: Any?) -> [String] {
    (entries as? [[String: Any]] ?? []).compactMap { $0["deviceId"] as? String }
}

/// True when two JSON values read by `JSONSerialization` are equal.
func sameJSON(_ left: Any?, _ right: Any?) -> Bool {
    guard let left, let right else { return left == nil && right == nil }
    return NSArray(array: [left]).isEqual(to: [right])
}

/// Waits until `value` returns something; returns it. Throws when it does not within the sockets' patience.
func waitForValue<T>(_ value: () throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + TestSocket.patience
    while ContinuousClock.now < deadline {
        if let found = try value() { return found }
        try await Task.sleep(for: .milliseconds(5))
    }
    throw TestFailure("no value within \(TestSocket.patience)")
}

/// Milliseconds since the epoch, as frames' `timestamp`.
func milliseconds(_ date: Date) -> Int {
    Int((date.timeIntervalSince1970 * 1000).rounded(.down))
}
