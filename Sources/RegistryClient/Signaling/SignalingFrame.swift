import Foundation

/// A frame the server sent on the signaling socket.
public enum SignalingFrame: Sendable, Hashable {
    /// An SDP offer from another device.
    case offer(RelayedMessage)
    /// An SDP answer from another device.
    case answer(RelayedMessage)
    /// An ICE candidate from another device.
    case iceCandidate(RelayedMessage)
    /// A relayed message of another type the server was configured to accept (limits.yaml `settings.messageTypes`).
    case message(RelayedMessage)
    /// The server refused a frame this device sent.
    case error(ErrorFrame)
    /// `presence_state` (issue 24), after `subscribePresence()`.
    case presenceState(PresenceState)
    /// `presence_diff` (issue 24), after `subscribePresence()`.
    case presenceDiff(PresenceDiff)
    /// `delivered` (issue 24): the receipt of a message sent with an `id`.
    case delivered(DeliveryReceipt)
    /// A frame this version of the client does not know, as JSON.
    case unknown(JSONValue)

    /// The relayed message of an offer, answer, ICE candidate or other message.
    public var relayed: RelayedMessage? {
        switch self {
        case .offer(let message), .answer(let message), .iceCandidate(let message), .message(let message): return message
        default: return nil
        }
    }

    /// True for the server's `session_welcome`, its answer to the connection's `session_hello` (the connection consumes
    /// it: the socket is then `.connected`).
    package var isSessionWelcome: Bool {
        if case .unknown(let value) = self { return value["type"]?.stringValue == "session_welcome" }
        return false
    }

    /// Reads one text frame; `nil` when it is not JSON at all.
    package static func decode(_ text: String) -> SignalingFrame? {
        let data = Data(text.utf8)
        let decoder = RegistryJSON.decoder()
        guard let head = try? decoder.decode(Head.self, from: data) else { return nil }
        do {
            if head.error != nil, head.code != nil { return .error(try decoder.decode(ErrorFrame.self, from: data)) }
            switch head.type {
            case "presence_state": return .presenceState(try decoder.decode(PresenceState.self, from: data))
            case "presence_diff": return .presenceDiff(try decoder.decode(PresenceDiff.self, from: data))
            case "delivered": return .delivered(try decoder.decode(DeliveryReceipt.self, from: data))
            case .some where head.fromPeerId != nil:
                let message = try decoder.decode(RelayedMessage.self, from: data)
                switch message.type {
                case .offer: return .offer(message)
                case .answer: return .answer(message)
                case .iceCandidate: return .iceCandidate(message)
                default: return .message(message)
                }
            default: break
            }
        } catch {}
        return (try? decoder.decode(JSONValue.self, from: data)).map(SignalingFrame.unknown)
    }

    private struct Head: Decodable {
        var type: String?
        var error: String?
        var code: String?
        var fromPeerId: String?
    }
}
