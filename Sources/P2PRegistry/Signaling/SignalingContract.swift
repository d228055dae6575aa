import ServerConfig
import ServerEngine

/// The signaling socket's frames, as published in the AsyncAPI document (`registry asyncapi`): what
/// ``SignalingFrame`` parses and writes, declared next to the handler's registration.
enum SignalingContract {
    /// limits.yaml's `settings.messageTypes`, the types the parser accepts (default offer, answer, ice-candidate).
    static func messageTypes(_ configuration: ServerConfiguration) -> [String] {
        configuration.limits.settings["messageTypes"]?.stringListValue ?? ["offer", "answer", "ice-candidate"]
    }

    /// Every `code` of an error frame the handler sends.
    static let errorCodes = [
        "invalid_json", "invalid_message", "unknown_type", "message_too_large", "unsupported_frame", "not_in_network",
        "not_announced", "network_forbidden", "rate_limited", "server_error",
    ]

    /// A device id: routes.yaml's peerId rule.
    static let deviceId = JSONShape.string(pattern: "^peer_[a-zA-Z0-9_]+$", maxLength: 100)

    /// What `data` carries for each type.
    private static func payloadSummary(_ type: String) -> String {
        switch type {
        case "offer": "the SDP offer, such as {\"type\":\"offer\",\"sdp\":\"v=0…\"}"
        case "answer": "the SDP answer, such as {\"type\":\"answer\",\"sdp\":\"v=0…\"}"
        case "ice-candidate": "the ICE candidate, such as {\"candidate\":\"candidate:1 1 UDP …\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}"
        default: "any JSON value but null"
        }
    }

    /// The contract for `configuration`: one client frame and one relayed frame per accepted message type.
    @Sendable
    static func contract(_ configuration: ServerConfiguration) -> WebSocketContract {
        let messageTypes = messageTypes(configuration)
        return WebSocketContract(
            receives: messageTypes.map { type in
                WebSocketContract.Frame(
                    type,
                    summary: "A client's \(type) for another device of its network (limits.yaml `settings.messageTypes` lists the types)",
                    payload: .object([
                        .init("type", .constant(type)),
                        .init("toPeerId", .described("The recipient; not the sender itself", deviceId)),
                        .init("data", .described("Relayed as sent: " + payloadSummary(type), .anyValue)),
                    ])
                )
            },
            sends: messageTypes.map { type in
                WebSocketContract.Frame(
                    "relayed-\(type)",
                    summary: "A \(type) relayed to its recipient, live or from the queue on connect",
                    payload: .object([
                        .init("id", .described("The message's id", .string(minLength: 1))),
                        .init("type", .constant(type)),
                        .init("fromPeerId", .described("The sender: the device of the socket it came from", deviceId)),
                        .init("toPeerId", deviceId),
                        .init("data", .described("As the sender sent it: " + payloadSummary(type), .anyValue)),
                        .init("timestamp", .described("When the server accepted it, milliseconds since the epoch", .integer(minimum: 0))),
                    ])
                )
            } + [
                WebSocketContract.Frame(
                    "error",
                    summary: "A refused frame: not relayed, the socket stays open (codes in docs/protocol.md, \"Server → sender: error frames\")",
                    payload: .object([.init("error", .string(minLength: 1)), .init("code", .oneOf(errorCodes))])
                )
            ],
            closes: [
                .init(
                    .policyViolation,
                    "`Invalid device id`, `Device belongs to another user`, `Device is in use by another user`, `Too many invalid messages`, `Too many messages`",
                    when: "the path's device id, its owner, or too many invalid or rate-limited frames"
                ),
                .init(
                    .tryAgainLater,
                    "`Try again later: receiving too slowly`",
                    when: "the client fell too far behind; its messages went to the queue"
                ),
                .init(SignalingHub.replacedCloseCode, "`replaced`", when: "the same device connected again"),
            ]
        )
    }
}
