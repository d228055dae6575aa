import DocumentStore
import Foundation
import Logging
import ServerEngine
import Synchronization

/// One device's signaling socket, as the hub serves it: checks each incoming message against the rates (per user
/// and IP, then the socket's own token bucket), relays it, and answers a refused one with an error frame; closes
/// the socket with 1008 after too many invalid frames within the window; rate violations are counted by the session,
/// which closes the socket after too many in a row (`websocket.maxRateViolations`).
final class SignalingSocket: WebSocketReceiver {
    private struct State {
        var bucket: TokenBucket
        var invalid = SlidingWindowLog()
        var closing = false
    }

    private let hub: SignalingHub
    private let deviceId: String
    /// The device's network as its connection remembers it.
    private let membership: NetworkMembership
    private let flush: QueueFlusher
    private let settings: SignalingSettings
    private let state: Mutex<State>

    init(hub: SignalingHub, deviceId: String, membership: NetworkMembership, flush: QueueFlusher, services: EngineServices) {
        self.hub = hub
        self.deviceId = deviceId
        self.membership = membership
        self.flush = flush
        let settings = SignalingSettings(services)
        self.settings = settings
        self.state = Mutex(
            State(bucket: TokenBucket(burst: Double(settings.messageBurst), now: services.clock.now()))
        )
    }

    /// On the event loop: the rate and frame checks, then the relay when both networks are known and the recipient
    /// is connected here; what needs the store continues in the socket's ordered task.
    func receiveNow(_ message: WebSocketMessage, on session: WebSocketSession) -> WebSocketReceipt {
        guard !state.withLock({ $0.closing }) else { return .handled }
        let inbound: SignalingFrame.Inbound
        switch screen(message, session: session) {
        case .failure(let rejection):
            refuse(rejection, session: session)
            return .handled
        case .success(.message(let valid)):
            inbound = valid
        case .success(.presenceSubscribe):
            return .continueWith { [self] in
                let rejection = await hub.subscribePresence(deviceId, membership: membership, session: session)
                settle(rejection.map(RelayOutcome.rejected) ?? .relayed(nil), id: nil, session: session)
            }
        case .success(.presenceUnsubscribe):
            hub.presence.unsubscribe(deviceId, connectionId: session.connectionId)
            return .handled
        case .success(.sessionHello):
            session.send(SessionWelcome.frame(deviceId: deviceId, at: session.services.clock.now()))
            return .handled
        }
        // The relay logs at debug level only; the engine's logger saves building one with this socket's metadata.
        switch hub.relayNow(inbound, from: deviceId, membership: membership, session: session, logger: session.services.logger) {
        case .delivered:
            settle(.relayed(.live), id: inbound.id, session: session)
            return .handled
        case .rejected(let rejection):
            refuse(rejection.echoing(inbound.id), session: session)
            return .handled
        case .needsStore:
            return .continueWith { [self] in
                let logger = SignalingHub.logger(session, deviceId: deviceId)
                let result = await hub.relayWithStore(inbound, from: deviceId, session: session, settings: settings, logger: logger)
                settle(result, id: inbound.id, session: session)
            }
        case .mustQueue(let stored):
            return .continueWith { [self] in
                let logger = SignalingHub.logger(session, deviceId: deviceId)
                let rejection = await hub.queue(stored, to: inbound.toPeerId, session: session, settings: settings, logger: logger)
                settle(rejection.map(RelayOutcome.rejected) ?? .relayed(.queued), id: inbound.id, session: session)
            }
        }
    }

    private typealias RelayOutcome = SignalingHub.RelayResult

    func receive(_ message: WebSocketMessage, on session: WebSocketSession) async {
        if case .continueWith(let rest) = receiveNow(message, on: session) { await rest() }
    }

    /// The checks every message passes before it is relayed: the per-user and per-IP rates, the frame kind and
    /// size, the socket's token bucket, and the message's shape.
    private func screen(_ message: WebSocketMessage, session: WebSocketSession) -> Result<SignalingFrame.ClientFrame, SignalingFrame.Rejection> {
        let size: Int
        switch message {
        case .binary(let count): size = count
        case .text(let text): size = text.utf8.count
        }
        if let refusal = session.admitMessage(bytes: size) {
            session.services.metrics.recordWebSocketLimitRejection(limit: refusal.limit)
            return .failure(
                SignalingFrame.Rejection(code: "rate_limited", message: refusal.message, countsAsInvalid: false, id: Self.echoedId(message, session))
            )
        }
        guard case .text(let text) = message else { return .failure(.binary) }
        guard size <= session.maxMessageSize else { return .failure(.tooLarge(limit: session.maxMessageSize)) }
        let now = session.services.clock.now()
        guard state.withLock({ $0.bucket.take(cost: 1, rate: settings.messagesPerSecond, burst: Double(settings.messageBurst), now: now) }) else {
            return .failure(
                SignalingFrame.Rejection(
                    code: "rate_limited",
                    message: "Too many messages; at most \(settings.messagesPerSecond) a second",
                    countsAsInvalid: false,
                    id: Self.echoedId(message, session)
                )
            )
        }
        do {
            return .success(try SignalingFrame.parse(text, allowedTypes: settings.messageTypes, sender: deviceId))
        } catch {
            return .failure(error)
        }
    }

    /// The id a refused text frame carried, for its error frame (only read for a frame within the size limit).
    private static func echoedId(_ message: WebSocketMessage, _ session: WebSocketSession) -> String? {
        guard case .text(let text) = message, text.utf8.count <= session.maxMessageSize else { return nil }
        return SignalingFrame.messageId(of: text)
    }

    /// The end of a message's relay: a rejection is answered (echoing the message's `id`); a success resets the
    /// rate-violation count and, for a message with an `id`, sends its delivery receipt.
    private func settle(_ outcome: RelayOutcome, id: String?, session: WebSocketSession) {
        switch outcome {
        case .rejected(let rejection):
            refuse(rejection.echoing(id), session: session)
        case .relayed(let delivery):
            session.resetRateViolations()
            if let id, let delivery {
                session.send(DeliveryReceipt.frame(id: id, delivery: delivery, at: session.services.clock.now()))
            }
        }
    }

    /// Answers a refused frame, and closes the socket when the client keeps sending refused frames.
    private func refuse(_ rejection: SignalingFrame.Rejection, session: WebSocketSession) {
        hub.countRejection(services: session.services)
        let logger = SignalingHub.logger(session, deviceId: deviceId)
        logger.info("message rejected", metadata: ["code": "\(rejection.code)"])
        session.send(rejection.frame)
        if rejection.code == "rate_limited" {
            if session.recordRateViolation(logger: logger) { state.withLock { $0.closing = true } }
            return
        }
        session.resetRateViolations()
        guard rejection.countsAsInvalid else { return }
        let now = session.services.clock.now()
        let tooManyInvalid = state.withLock { state -> Int? in
            let invalid = state.invalid.record(now, window: settings.invalidMessageWindow, keep: settings.maxInvalidMessages)
            guard invalid > settings.maxInvalidMessages else { return nil }
            state.closing = true
            return invalid
        }
        if let count = tooManyInvalid {
            logger.notice("closing socket after repeated invalid messages", metadata: ["count": "\(count)"])
            session.close(.policyViolation, reason: "Too many invalid messages")
        }
    }

    func closed(_ session: WebSocketSession) async {
        await hub.closed(deviceId, session: session, flush: flush)
    }
}
