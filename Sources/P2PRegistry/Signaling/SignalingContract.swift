import ServerConfig
import ServerEngine

/// The signaling socket's frames, as published in the AsyncAPI document (`registry asyncapi`): what
/// ``SignalingFrame`` parses and writes, declared next to the handler's registration.
enum SignalingContract {
    /// limits.yaml's `settings.messageTypes`, the types the parser accepts (default offer, answer, ice-candidate).
    static func messageTypes(_ configuration: ServerConfiguration) -> [String] {
        configuration.setting(RegistrySettings.messageTypes)
    }

    /// Every `code` of an error frame the handler sends.
    static let errorCodes = [
        "invalid_json", "invalid_message", "unknown_type", "message_too_large", "unsupported_frame", "not_in_network",
        "not_announced", "network_forbidden", "rate_limited", "server_error",
    ]

    /// A device id: routes.yaml's peerId rule.
    static let deviceId = JSONShape.string(pattern: "^peer_[a-zA-Z0-9_]+$", maxLength: 100)

    /// A client's optional message id (*added*): receipts and error frames echo it.
    static let messageId = JSONShape.described(
        "Optional: the client's id for the message; the sender gets a `delivered` receipt for it, and an error frame for it echoes it",
        .string(minLength: 1, maxLength: SignalingFrame.maxIdLength)
    )

    /// A peer entry of presence frames: exactly an entry of `GET /network/:networkId/peers`.
    static let peerEntry = JSONShape.object([
        .init("userId", .string()),
        .init("deviceId", deviceId),
        .init("signalAddress", .string()),
        .init("capabilities", .array(.string())),
        .init("isCoordinator", .boolean),
        .init("lastSeen", .dateTime),
    ])

    /// The presence frames (*added*): two requests from the client, the state and the diffs it then receives.
    static let presenceReceives: [WebSocketContract.Frame] = [
        WebSocketContract.Frame(
            SignalingFrame.presenceSubscribe,
            summary: "Push the presence of this device's network to this socket: a presence_state, then presence_diff frames",
            payload: .object([.init("type", .constant(SignalingFrame.presenceSubscribe))])
        ),
        WebSocketContract.Frame(
            SignalingFrame.presenceUnsubscribe,
            summary: "Stop pushing presence to this socket",
            payload: .object([.init("type", .constant(SignalingFrame.presenceUnsubscribe))])
        ),
    ]

    static let presenceSends: [WebSocketContract.Frame] = [
        WebSocketContract.Frame(
            "presence_state",
            summary: "The answer to presence_subscribe: the network's online devices, as GET /network/:networkId/peers lists them",
            payload: .object([
                .init("type", .constant("presence_state")),
                .init("networkId", .string(minLength: 1)),
                .init("peers", .described("Online devices, most recently seen first", .array(peerEntry))),
                .init("timestamp", .described("Milliseconds since the epoch", .integer(minimum: 0))),
            ])
        ),
        WebSocketContract.Frame(
            "presence_diff",
            summary: "What changed in the network since the last frame, batched per limits.yaml `presence.diffInterval`; never empty",
            payload: .object([
                .init("type", .constant("presence_diff")),
                .init("networkId", .string(minLength: 1)),
                .init(
                    "joins",
                    .described("Devices that came online or changed (coordinator promotion, capabilities): their new entries", .array(peerEntry))
                ),
                .init("leaves", .described("Devices that went offline or left the network", .array(deviceId))),
                .init("timestamp", .described("Milliseconds since the epoch", .integer(minimum: 0))),
            ])
        ),
        WebSocketContract.Frame(
            "delivered",
            summary: "The receipt of a message sent with an `id`: handed to the recipient's socket (live) or stored in its queue (queued)",
            payload: .object([
                .init("type", .constant("delivered")),
                .init("id", .string(minLength: 1, maxLength: SignalingFrame.maxIdLength)),
                .init("delivery", .oneOf([DeliveryReceipt.Delivery.live.rawValue, DeliveryReceipt.Delivery.queued.rawValue])),
                .init("timestamp", .described("Milliseconds since the epoch", .integer(minimum: 0))),
            ])
        ),
    ]

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
                        .init("id", messageId, optional: true),
                    ])
                )
            } + presenceReceives + [SessionWelcome.receives],
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
                    payload: .object([
                        .init("error", .string(minLength: 1)),
                        .init("code", .oneOf(errorCodes)),
                        .init("id", .described("The refused message's id, when it carried a valid one", .string(minLength: 1)), optional: true),
                    ])
                )
            ] + presenceSends + [SessionWelcome.sends],
            closes: [
                .init(
                    .policyViolation,
                    "`Invalid device id`, `Device belongs to another user`, `Device is in use by another user`, `Too many invalid messages`, `Too many messages`",
                    when: "the path's device id, its owner, or too many invalid or rate-limited frames"
                ),
                .init(
                    .tryAgainLater,
                    "`Try again later: receiving too slowly`",
                    when: "the client fell too far behind; its messages went to the queue (a presence subscriber: it missed a diff)"
                ),
                .init(SignalingHub.replacedCloseCode, "`replaced`", when: "the same device connected again"),
            ]
        )
    }
}
