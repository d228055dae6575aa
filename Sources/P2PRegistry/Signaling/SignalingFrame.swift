import DocumentStore
import Foundation
import ServerConfig
import ServerEngine

/// The signaling protocol's frames.
///
/// Client → server: `{"type":"offer","toPeerId":"peer_b","data":{…}}`.
/// Server → recipient: `{"type","fromPeerId","toPeerId","data","timestamp"}` (timestamp in ms since the
/// epoch, as the spec's `Date.now()`), plus the message `id`.
/// Server → sender on a bad frame: `{"error":"…","code":"…"}`.
enum SignalingFrame {
    /// A client message that passed validation; `data` is the raw JSON text of its payload, checked but not built.
    struct Inbound: Sendable {
        var type: String
        var toPeerId: String
        var data: String
        /// The client's id for the message (*added*, optional): the sender gets a `delivered` receipt for it, and an
        /// error frame for a refused message echoes it.
        var id: String? = nil
    }

    /// A valid client frame: a message to relay, or a request to the server.
    enum ClientFrame: Sendable {
        /// An offer, answer or ice-candidate for another device.
        case message(Inbound)
        /// `{"type":"presence_subscribe"}`: push the network's presence to this socket.
        case presenceSubscribe
        /// `{"type":"presence_unsubscribe"}`: stop pushing it.
        case presenceUnsubscribe
        /// `{"type":"session_hello"}`: confirm that the socket was accepted (``SessionWelcome``).
        case sessionHello
    }

    /// The types of the frames a client sends to the server itself (never relayed).
    static let presenceSubscribe = "presence_subscribe"
    static let presenceUnsubscribe = "presence_unsubscribe"

    /// The longest message id a client may give.
    static let maxIdLength = 64

    /// Why a client frame was refused; sent back as an error frame.
    struct Rejection: Error, Sendable, Equatable {
        var code: String
        var message: String
        /// True when the frame counts towards the bad-frame limit (malformed input, not a refused but valid request).
        var countsAsInvalid: Bool = true
        /// The refused message's `id`, when it carried a valid one: the error frame echoes it.
        var id: String? = nil

        var frame: String {
            var frame: Document = ["error": .string(message), "code": .string(code)]
            if let id { frame["id"] = .string(id) }
            return JSONWriter.string(.document(frame))
        }

        /// This rejection, echoing `id`.
        func echoing(_ id: String?) -> Rejection {
            var rejection = self
            rejection.id = id
            return rejection
        }

        static func tooLarge(limit: Int) -> Rejection {
            Rejection(code: "message_too_large", message: "Message larger than \(limit) bytes")
        }
        /// The recipient is not announced in the sender's network. A correct client hits this in a race (the peer
        /// moved network between its listing and the message), so it does not count towards the bad-frame close.
        static func notInNetwork(_ recipient: String) -> Rejection {
            Rejection(code: "not_in_network", message: "Peer \(recipient) is not in your network", countsAsInvalid: false)
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

    /// Parses and validates a client text frame: the envelope only; `data` is checked as JSON and kept as text.
    static func parse(_ text: String, allowedTypes: [String], sender: String) throws(Rejection) -> ClientFrame {
        let parsed: JSONEnvelope?
        do {
            parsed = try JSONEnvelope.parse(Array(text.utf8), strings: ["type", "toPeerId", "id"])
        } catch let failure where failure.reason == JSONParser.unstorableKeyReason {
            // Valid JSON, but MongoDB cannot store it: refused alike on both stores.
            throw Rejection(code: "invalid_message", message: "Keys inside data must be non-empty and must not contain NUL (\\u0000)")
        } catch {
            throw .invalidJSON
        }
        guard let envelope = parsed else { throw .invalidJSON }
        switch envelope.strings["type"] {
        case presenceSubscribe: return .presenceSubscribe
        case presenceUnsubscribe: return .presenceUnsubscribe
        case SessionWelcome.hello: return .sessionHello
        default: break
        }
        let id = try messageId(envelope)
        guard let type = envelope.strings["type"], let toPeerId = envelope.strings["toPeerId"], !envelope.isNull("data"),
            let data = envelope.raw("data")
        else {
            throw Rejection(
                code: "invalid_message",
                message: "Invalid signaling message structure: type, toPeerId and data are required",
                id: id
            )
        }
        guard allowedTypes.contains(type) else {
            throw Rejection(
                code: "unknown_type",
                message: "Unknown message type '\(type)'; use one of \(allowedTypes.joined(separator: ", "))",
                id: id
            )
        }
        guard isValidDeviceId(toPeerId) else {
            throw Rejection(code: "invalid_message", message: "toPeerId must match ^peer_[a-zA-Z0-9_]+$ (at most 100 characters)", id: id)
        }
        guard toPeerId != sender else {
            throw Rejection(code: "invalid_message", message: "A device cannot signal itself", id: id)
        }
        return .message(Inbound(type: type, toPeerId: toPeerId, data: data, id: id))
    }

    /// The envelope's `id`: nil when absent; a string of 1 to 64 characters, else the frame is refused.
    private static func messageId(_ envelope: JSONEnvelope) throws(Rejection) -> String? {
        guard envelope.ranges["id"] != nil else { return nil }
        guard let id = envelope.strings["id"], !id.isEmpty, id.count <= maxIdLength else {
            throw Rejection(code: "invalid_message", message: "id must be a string of 1 to \(maxIdLength) characters")
        }
        return id
    }

    /// The `id` of a text frame that is a JSON object with a valid one, else nil: a frame refused before it was parsed
    /// (over a rate) still gets its id echoed.
    static func messageId(of text: String) -> String? {
        guard let envelope = try? JSONEnvelope.parse(Array(text.utf8), strings: ["id"]) else { return nil }
        return try? messageId(envelope)
    }

    /// The stored form of a message (the spec's schema, plus `id`); builds `data` from its text.
    static func stored(_ message: Inbound, from sender: String, id: String, at timestamp: Date) -> Document {
        let data = (try? JSONParser.parse(Array(message.data.utf8))) ?? .null  // checked when the frame was parsed
        return [
            "id": .string(id), "type": .string(message.type), "from": .string(sender), "to": .string(message.toPeerId),
            "data": data, "timestamp": .date(timestamp),
        ]
    }

    /// The frame a recipient receives, written straight from the message's parts: `data` goes out as it came in.
    static func outbound(_ message: Inbound, from sender: String, id: String, at timestamp: Date) -> String {
        var frame = #"{"id":""#
        frame.reserveCapacity(96 + message.type.utf8.count + message.data.utf8.count)
        frame += id
        frame += #"","type":"#
        if message.type.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            frame += "\""
            frame += message.type
            frame += "\""
        } else {
            frame += JSONWriter.string(.string(message.type))
        }
        // Device ids are ^peer_[a-zA-Z0-9_]+$: nothing to escape.
        frame += #","fromPeerId":""#
        frame += sender
        frame += #"","toPeerId":""#
        frame += message.toPeerId
        frame += #"","data":"#
        frame += message.data
        frame += #","timestamp":"#
        frame += String(milliseconds(timestamp))
        frame += "}"
        return frame
    }

    /// The stored form of a message from the frame a recipient was to receive (a relayed message that could not be
    /// written goes back to the queue); nil if `frame` is not such a frame.
    static func stored(fromOutbound frame: String) -> Document? {
        guard let value = try? JSONParser.parse(Array(frame.utf8)), let document = value.documentValue,
            let id = document["id"], let type = document["type"], let from = document["fromPeerId"], let to = document["toPeerId"],
            let data = document["data"], let milliseconds = document["timestamp"]?.intValue
        else { return nil }
        let timestamp = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return ["id": id, "type": type, "from": from, "to": to, "data": data, "timestamp": .date(timestamp)]
    }

    /// Milliseconds since the epoch, as the spec's `Date.now()`.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The frame a recipient receives, from a stored message.
    static func outbound(_ stored: Document) -> String {
        let milliseconds = stored["timestamp"]?.dateValue.map(milliseconds) ?? 0
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
