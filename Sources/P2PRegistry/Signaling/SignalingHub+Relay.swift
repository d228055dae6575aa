import DocumentStore
import Logging
import ServerEngine

/// Relaying one validated message: on the socket's event loop when everything it needs is in memory (both
/// devices' networks known, the recipient connected here with room in its send buffer), else in the socket's
/// ordered task with the store.
extension SignalingHub {
    /// Where a message stands after ``relayNow(_:from:membership:session:logger:)``.
    enum RelayStep: Sendable {
        /// Handed to the recipient's send buffer.
        case delivered
        /// Refused; answer with the error frame.
        case rejected(SignalingFrame.Rejection)
        /// The networks must be read from the store (``relayWithStore(_:from:session:settings:logger:)``).
        case needsStore
        /// Checked, but the recipient's buffer was full: queue it (``queue(_:to:session:settings:logger:)``).
        case mustQueue(Document)
    }

    /// Relays a valid message using only what is in memory.
    func relayNow(
        _ inbound: SignalingFrame.Inbound,
        from sender: String,
        membership: NetworkMembership,
        session: WebSocketSession,
        logger: Logger
    ) -> RelayStep {
        guard let senderNetwork = membership.current, let connection = directory.connection(for: inbound.toPeerId),
            let recipientNetwork = connection.network.current
        else { return .needsStore }
        guard senderNetwork == recipientNetwork else {
            return .rejected(.notInNetwork(inbound.toPeerId))
        }
        let id = ObjectId().hex
        let now = session.services.clock.now()
        metrics(session.services).messages.increment()
        // Written straight from the frame's parts: the payload goes out as it came, never built into a document.
        let frame = WebSocketSendBuffer.Item(storableText: SignalingFrame.outbound(inbound, from: sender, id: id, at: now))
        if offerLive(frame, from: sender, to: inbound.toPeerId, connection: connection, services: session.services, logger: logger) {
            return .delivered
        }
        return .mustQueue(SignalingFrame.stored(inbound, from: sender, id: id, at: now))
    }

    /// How a relay that needed the store ended.
    enum RelayResult: Sendable {
        /// Refused; answer with the error frame.
        case rejected(SignalingFrame.Rejection)
        /// Delivered live or queued; nil when forwarded to another instance (which answers with the receipt).
        case relayed(DeliveryReceipt.Delivery?)
    }

    /// Relays a valid message, reading the devices' networks from the store.
    func relayWithStore(
        _ inbound: SignalingFrame.Inbound,
        from sender: String,
        session: WebSocketSession,
        settings: SignalingSettings,
        logger: Logger
    ) async -> RelayResult {
        do {
            try await checkSameNetwork(sender: sender, recipient: inbound.toPeerId, services: session.services)
            let stored = SignalingFrame.stored(inbound, from: sender, id: ObjectId().hex, at: session.services.clock.now())
            let receipt = inbound.id.map { DeliveryReceipt.Request(id: $0, connectionId: "\(session.connectionId)") }
            let delivery = try await deliver(
                stored,
                to: inbound.toPeerId,
                services: session.services,
                cap: settings.queueCap,
                logger: logger,
                receipt: receipt
            )
            metrics(session.services).messages.increment()
            return .relayed(delivery)
        } catch let rejection as SignalingFrame.Rejection {
            return .rejected(rejection)
        } catch {
            return .rejected(Self.serverError(error, logger: logger))
        }
    }

    /// Queues a checked message whose recipient could not take it live.
    func queue(
        _ stored: Document,
        to recipient: String,
        session: WebSocketSession,
        settings: SignalingSettings,
        logger: Logger
    ) async -> SignalingFrame.Rejection? {
        do {
            try await enqueue(stored, to: recipient, services: session.services, cap: settings.queueCap, logger: logger)
            return nil
        } catch {
            return Self.serverError(error, logger: logger)
        }
    }

    private static func serverError(_ error: any Error, logger: Logger) -> SignalingFrame.Rejection {
        logger.error("signaling relay failed", metadata: ["error": "\(String(reflecting: error))"])
        return SignalingFrame.Rejection(code: "server_error", message: "Message could not be relayed; try again", countsAsInvalid: false)
    }
}
