import Foundation

/// A frame this device sends: a message relayed to another device, a presence subscription (issue 24), or the hello
/// that asks the server to confirm the socket.
package enum OutgoingFrame: Sendable, Hashable, Encodable {
    /// `{"type":…,"toPeerId":…,"data":…,"id":…}`; `id` asks for a delivery receipt (issue 24).
    case signal(type: SignalType, to: String, data: JSONValue, id: String?)
    /// `{"type":"presence_subscribe"}` (issue 24).
    case presenceSubscribe
    /// `{"type":"presence_unsubscribe"}` (issue 24).
    case presenceUnsubscribe
    /// `{"type":"session_hello"}`: the server answers `session_welcome` once it has accepted the socket.
    case sessionHello

    private enum Keys: String, CodingKey { case type, toPeerId, data, id }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .signal(let type, let to, let data, let id):
            try container.encode(type, forKey: .type)
            try container.encode(to, forKey: .toPeerId)
            try container.encode(data, forKey: .data)
            try container.encodeIfPresent(id, forKey: .id)
        case .presenceSubscribe:
            try container.encode("presence_subscribe", forKey: .type)
        case .presenceUnsubscribe:
            try container.encode("presence_unsubscribe", forKey: .type)
        case .sessionHello:
            try container.encode("session_hello", forKey: .type)
        }
    }

    /// The frame's JSON text.
    package func text() throws -> String {
        String(decoding: try RegistryJSON.encoder().encode(self), as: UTF8.self)
    }
}
