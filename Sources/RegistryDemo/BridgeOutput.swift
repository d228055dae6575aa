import Foundation
import RegistryClient
import Synchronization

/// The bridge's stdout: one JSON object a line, written whole.
final class BridgeOutput: Sendable {
    private let lock = Mutex(())

    func emit(_ event: JSONValue) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(event) else { return }
        lock.withLock { _ in
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    /// A state as one word.
    static func name(of state: ConnectionState) -> String {
        switch state {
        case .connecting: "connecting"
        case .connected: "connected"
        case .waiting: "waiting"
        case .ended(let end): "ended: \(end)"
        }
    }

    /// A frame as the server's JSON (the fields the client keeps).
    static func json(of frame: SignalingFrame) -> JSONValue {
        if let message = frame.relayed {
            return [
                "id": message.id.map(JSONValue.string) ?? .null, "type": .string(message.type.rawValue),
                "fromPeerId": .string(message.fromPeerId), "toPeerId": .string(message.toPeerId), "data": message.data,
                "timestamp": .integer(Int((message.timestamp.timeIntervalSince1970 * 1000).rounded())),
            ]
        }
        switch frame {
        case .error(let error): return ["error": .string(error.error), "code": .string(error.code), "id": error.id.map(JSONValue.string) ?? .null]
        case .unknown(let value): return value
        default: return ["type": .string("\(frame)")]
        }
    }
}
