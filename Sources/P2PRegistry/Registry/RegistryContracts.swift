import ServerEngine

/// The registry's HTTP answers, as published in the OpenAPI document: the JSON shapes of docs/protocol.md (the
/// spec's), declared next to the handlers' registration in ``RegistryHandlers``.
enum RegistryContracts {
    private static let deviceId = SignalingContract.deviceId
    private static let capabilities = JSONShape.array(.string())
    private static let ownership = "the device belongs to another user (`Device peer_x belongs to another user`)"

    /// `POST /network/:networkId/announce`: `{"success":true}`.
    static let announce = HandlerContract(
        ok: .object([.init("success", .constantBoolean(true))]),
        errors: [400: "`peerId and signalAddress are required`", 403: ownership]
    )

    /// `GET /network/:networkId/peers`: the online devices, with an ETag.
    static let peers = HandlerContract(
        ok: .object([
            .init(
                "peers",
                .described(
                    "Online devices, most recently seen first",
                    .array(
                        .object([
                            .init("userId", .string()),
                            .init("deviceId", deviceId),
                            .init("signalAddress", .string()),
                            .init("capabilities", capabilities),
                            .init("isCoordinator", .boolean),
                            .init("lastSeen", .dateTime),
                        ])
                    )
                )
            )
        ]),
        entityTag: true
    )

    /// `GET /network/:networkId/peer/:userId`: the user's online device, or where to look for it.
    static let peer = HandlerContract(
        ok: .anyOf([
            .described(
                "The user's most recently seen online device",
                .object([
                    .init("online", .constantBoolean(true)),
                    .init("deviceId", deviceId),
                    .init("signalAddress", .string()),
                    .init("capabilities", capabilities),
                    .init("lastSeen", .dateTime),
                ])
            ),
            .described(
                "Offline or unknown: when last seen (null if never), and the network's recent coordinators",
                .object([
                    .init("online", .constantBoolean(false)),
                    .init("lastSeen", .nullable(.dateTime)),
                    .init("lastCoordinators", .array(deviceId)),
                ])
            ),
        ])
    )

    /// `GET /network/:networkId/ice-servers`: the STUN and TURN servers, the TURN ones with a short-lived credential.
    static let iceServers = HandlerContract(
        ok: .object([
            .init(
                "iceServers",
                .described(
                    "RTCIceServer entries for an RTCPeerConnection: the STUN URLs (when configured), then the TURN URLs with a "
                        + "credential (when a TURN secret is configured); empty when no URL is",
                    .array(
                        .anyOf([
                            .described("STUN servers", .object([.init("urls", .array(.string(pattern: "^stuns?:")))])),
                            .described(
                                "TURN servers and a credential in coturn's REST scheme (use-auth-secret)",
                                .object([
                                    .init("urls", .array(.string(pattern: "^turns?:"))),
                                    .init("username", .described("<Unix expiry in seconds>:<userId>", .string(pattern: "^[0-9]+:"))),
                                    .init(
                                        "credential",
                                        .described("base64 of HMAC-SHA1(TURN secret, username)", .string(minLength: 28, maxLength: 28))
                                    ),
                                ])
                            ),
                        ]),
                        maxItems: 2
                    )
                )
            ),
            .init("ttl", .described("Seconds the TURN credential stays valid (ice.credentialTtl)", .integer(minimum: 1))),
        ])
    )

    /// `DELETE /network/:networkId/devices/:deviceId`: the device left the network.
    static let leave = HandlerContract(
        ok: .object([.init("success", .constantBoolean(true))]),
        errors: [403: ownership, 404: "the device is not announced in the network (`Device peer_x is not announced in network net1`)"]
    )

    /// `GET /signaling/messages/:deviceId`: the drained queue.
    static let messages = HandlerContract(
        ok: .object([
            .init(
                "messages",
                .described(
                    "Queued messages, oldest first; each is returned once",
                    .array(
                        .object([
                            .init("id", .string(minLength: 1)),
                            .init("type", .string()),
                            .init("from", deviceId),
                            .init("to", deviceId),
                            .init("data", .anyValue),
                            .init("timestamp", .dateTime),
                        ])
                    )
                )
            )
        ]),
        errors: [403: ownership]
    )
}
