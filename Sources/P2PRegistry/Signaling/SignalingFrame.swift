import DocumentStore
import Foundation
import HTTPTypes
import Logging
import ServerConfig
import ServerEngine

/// The signaling protocol's frames.
///
/// Client → server: `{"type":"offer","toPeerId":"peer_b","data":{…}}`.
/// Server → recipient: `{"type","fromPeerId","toPeerId","data","timestamp"}` (timestamp in ms since the
/// epoch, as the spec's `Date.now()`), plus the message `id`.
/// Server → sender on a bad frame: `{"error":"…","code":"…"}`.
enum SignalingFrame {
    /// A client message that passed validation.
    struct Inbound: Sendable {
        var type: String
        var toPeerId: String
        var data: Value
    }

    /// Why a client frame was refused; sent back as an error frame.
    struct Rejection: Error, Sendable, Equatable {
        var code: String
        var message: String
        /// True when the frame counts towards the bad-frame limit (malformed input, not a refused but valid request).
        var countsAsInvalid: Bool = true

        var frame: String {
            JSONWriter.string(["error": .string(message), "code": .string(code)])
        }

        static func tooLarge(limit: Int) -> Rejection {
            Rejection(code: "message_too_large", message: "Message larger than \(limit) bytes")
        }
        static let binary = Rejection(code: "unsupported_frame", message: "Binary frames are not supported; send JSON text")
        static let invalidJSON = Rejection(code: "invalid_json", message: "Invalid message format")
    }

    /// True if `text` is a valid device id: routes.yaml's peerId rule, `^peer_[a-zA-Z0-9_]+$`, at most 100 characters.
    static func isValidDeviceId(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count > 5, bytes.count <= 100, text.hasPrefix("peer_") else { return false }
        return bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }

    /// Parses and validates a client text frame.
    static func parse(_ text: String, allowedTypes: [String], sender: String) throws(Rejection) -> Inbound {
        let value: Value
        do {
            value = try JSONParser.parse(Array(text.utf8))
        } catch {
            throw .invalidJSON
        }
        guard let document = value.documentValue else { throw .invalidJSON }
        guard let type = document["type"]?.stringValue, let toPeerId = document["toPeerId"]?.stringValue,
            let data = document["data"], data != .null
        else {
            throw Rejection(code: "invalid_message", message: "Invalid signaling message structure: type, toPeerId and data are required")
        }
        guard allowedTypes.contains(type) else {
            throw Rejection(code: "unknown_type", message: "Unknown message type '\(type)'; use one of \(allowedTypes.joined(separator: ", "))")
        }
        guard isValidDeviceId(toPeerId) else {
            throw Rejection(code: "invalid_message", message: "toPeerId must match ^peer_[a-zA-Z0-9_]+$ (at most 100 characters)")
        }
        guard toPeerId != sender else {
            throw Rejection(code: "invalid_message", message: "A device cannot signal itself")
        }
        return Inbound(type: type, toPeerId: toPeerId, data: data)
    }

    /// The stored form of a message (the spec's schema, plus `id`).
    static func stored(_ message: Inbound, from sender: String, id: String, at timestamp: Date) -> Document {
        [
            "id": .string(id), "type": .string(message.type), "from": .string(sender), "to": .string(message.toPeerId),
            "data": message.data, "timestamp": .date(timestamp),
        ]
    }

    /// The frame a recipient receives, from a stored message.
    static func outbound(_ stored: Document) -> String {
        let milliseconds = stored["timestamp"]?.dateValue.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) } ?? 0
        return JSONWriter.string([
            "id": stored["id"] ?? .null,
            "type": stored["type"] ?? .null,
            "fromPeerId": stored["from"] ?? .null,
            "toPeerId": stored["to"] ?? .null,
            "data": stored["data"] ?? .null,
            "timestamp": .int(milliseconds),
        ])
    }
}
