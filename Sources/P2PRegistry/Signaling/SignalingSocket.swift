import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine
import Synchronization

/// One device's signaling socket, as the hub serves it: checks each incoming message against the rates (per user
/// and IP, then the socket's own token bucket), relays it, and answers a refused one with an error frame; closes
/// the socket with 1008 after too many rate violations in a row or too many invalid frames within the window.
final class SignalingSocket: WebSocketReceiver {
    private struct State {
        var bucket: TokenBucket
        var invalidAt: [Date] = []
        var rateViolations = 0
        var closing = false
    }

    private let hub: SignalingHub
    private let deviceId: String
    private let flush: QueueFlusher
    private let logger: Logger
    private let settings: SignalingSettings
    private let state: Mutex<State>

    init(hub: SignalingHub, deviceId: String, flush: QueueFlusher, logger: Logger, services: EngineServices) {
        self.hub = hub
        self.deviceId = deviceId
        self.flush = flush
        self.logger = logger
        let settings = SignalingSettings(services)
        self.settings = settings
        self.state = Mutex(
            State(bucket: TokenBucket(rate: settings.messagesPerSecond, burst: Double(settings.messageBurst), now: services.clock.now()))
        )
    }

    func receive(_ message: WebSocketMessage, on session: WebSocketSession) async {
        guard !state.withLock({ $0.closing }) else { return }
        let size: Int
        switch message {
        case .binary(let count): size = count
        case .text(let text): size = text.utf8.count
        }
        let rejection: SignalingFrame.Rejection?
        if let refusal = session.admitMessage(bytes: size) {
            session.services.metrics.recordWebSocketLimitRejection(limit: refusal.limit)
            rejection = SignalingFrame.Rejection(code: "rate_limited", message: refusal.message, countsAsInvalid: false)
        } else {
            switch message {
            case .binary:
                rejection = .binary
            case .text(let text) where text.utf8.count > session.maxMessageSize:
                rejection = .tooLarge(limit: session.maxMessageSize)
            case .text(let text):
                let now = session.services.clock.now()
                if state.withLock({ $0.bucket.take(now: now) }) {
                    rejection = await hub.relay(text, from: deviceId, session: session, settings: settings, logger: logger)
                } else {
                    rejection = SignalingFrame.Rejection(
                        code: "rate_limited",
                        message: "Too many messages; at most \(settings.messagesPerSecond) a second",
                        countsAsInvalid: false
                    )
                }
            }
        }
        guard let rejection else {
            state.withLock { $0.rateViolations = 0 }
            return
        }
        refuse(rejection, session: session)
    }

    /// Answers a refused frame, and closes the socket when the client keeps sending refused frames.
    private func refuse(_ rejection: SignalingFrame.Rejection, session: WebSocketSession) {
        hub.countRejection(services: session.services)
        logger.info("message rejected", metadata: ["code": "\(rejection.code)"])
        session.send(rejection.frame)
        let now = session.services.clock.now()
        let allowedViolations = session.services.configuration.limits.webSocket.maxRateViolations
        enum Verdict {
            case keep
            case tooManyMessages(Int)
            case tooManyInvalid(Int)
        }
        let verdict = state.withLock { state -> Verdict in
            if rejection.code == "rate_limited" {
                state.rateViolations += 1
                if state.rateViolations > allowedViolations {
                    state.closing = true
                    return .tooManyMessages(state.rateViolations)
                }
                return .keep
            }
            state.rateViolations = 0
            guard rejection.countsAsInvalid else { return .keep }
            state.invalidAt = state.invalidAt.filter { now.timeIntervalSince($0) < settings.invalidMessageWindow } + [now]
            if state.invalidAt.count > settings.maxInvalidMessages {
                state.closing = true
                return .tooManyInvalid(state.invalidAt.count)
            }
            return .keep
        }
        switch verdict {
        case .keep:
            break
        case .tooManyMessages(let count):
            session.services.metrics.recordWebSocketLimitRejection(limit: "maxRateViolations")
            logger.notice("closing socket after repeated rate limit violations", metadata: ["count": "\(count)"])
            session.close(.policyViolation, reason: "Too many messages")
        case .tooManyInvalid(let count):
            logger.notice("closing socket after repeated invalid messages", metadata: ["count": "\(count)"])
            session.close(.policyViolation, reason: "Too many invalid messages")
        }
    }

    func closed(_ session: WebSocketSession) async {
        await hub.closed(deviceId, session: session, flush: flush, logger: logger)
    }
}
