import Foundation
import ServerConfig
import Synchronization

/// Counts the connections of the signaling listener (from accept, upgraded or not), per user and per IP, and the
/// recent connects of each, and decides whether a new connection may stay and a socket may open under ``WebSocketLimits``.
///
/// Every attempt counts towards the connects-per-minute limits, refused ones included, so a client that keeps
/// hammering stays refused; each key keeps at most its limit's worth of timestamps.
///
/// ```swift
/// switch admission.admit(user: "alice", ip: "203.0.113.7", limits: limits, now: Date()) {
/// case .admitted(let ticket): defer { admission.release(ticket) } …
/// case .refused(let refusal): close(refusal.closeCode)
/// }
/// ```
package final class ConnectionAdmission: Sendable {
    /// Proof of an admitted socket; release it when the socket closes.
    package struct Ticket: Sendable, Hashable {
        let user: String?
        let ip: String?
        let id: UInt64
    }

    /// Why a socket was refused.
    package struct Refusal: Sendable, Equatable, Error {
        /// The limit's name, as in `websocket_limit_rejections_total{limit}`.
        package var limit: String
        /// The error frame's `code`.
        package var code: String
        /// The error frame's text and the close reason.
        package var message: String
        /// 1013 when the process is full (try again later), 1008 when the client exceeded its own limit.
        package var closeCode: UInt16
    }

    /// The outcome of ``admit(user:ip:limits:now:)``.
    package enum Decision: Sendable {
        case admitted(Ticket)
        case refused(Refusal)
    }

    private struct State {
        var open = 0
        var nextId: UInt64 = 1
        var perUser: [String: Int] = [:]
        var perIP: [String: Int] = [:]
        var connects = KeyedEntries<SlidingWindowLog>()
        var refusing = 0
    }

    private let state = Mutex(State())

    private static let tooManyFromAddress = Refusal(
        limit: "maxConnectionsPerIP",
        code: "too_many_connections",
        message: "Too many open connections from this address",
        closeCode: 1008
    )

    /// Creates empty counts.
    package init() {}

    /// Open sockets admitted and not yet released.
    package var openCount: Int { state.withLock { $0.open } }

    /// Counts a newly accepted connection towards the process and per-IP caps (`maxConnections`,
    /// `maxConnectionsPerIP`), before its upgrade: idle and half-sent handshakes hold a place like open sockets.
    /// The ticket is released when the connection closes, upgraded or not.
    package func accept(ip: String?, limits: WebSocketLimits) -> Decision {
        state.withLock { state in
            guard state.open < limits.maxConnections else {
                return .refused(
                    Refusal(limit: "maxConnections", code: "server_full", message: "Server at capacity; try again later", closeCode: 1013)
                )
            }
            if let ip, state.perIP[ip, default: 0] >= limits.maxConnectionsPerIP { return .refused(Self.tooManyFromAddress) }
            state.open += 1
            if let ip { state.perIP[ip, default: 0] += 1 }
            let ticket = Ticket(user: nil, ip: ip, id: state.nextId)
            state.nextId += 1
            return .admitted(ticket)
        }
    }

    /// Counts a connection accepted from a trusted proxy (`ticket` from ``accept(ip:limits:)`` with no IP, so only the
    /// process cap held it) under the client address its upgrade request forwarded: checks `maxConnectionsPerIP` for
    /// `clientIP` and takes a place there. On success the returned ticket replaces the accepted one and releasing it
    /// gives both places back; on refusal the accepted ticket stays valid (release it when the connection closes).
    package func acceptForwarded(_ ticket: Ticket, clientIP: String, limits: WebSocketLimits) -> Decision {
        // A ticket that already holds a per-IP place keeps it: one connection is counted under one address.
        guard ticket.ip == nil else { return .admitted(ticket) }
        return state.withLock { state in
            if state.perIP[clientIP, default: 0] >= limits.maxConnectionsPerIP { return .refused(Self.tooManyFromAddress) }
            state.perIP[clientIP, default: 0] += 1
            return .admitted(Ticket(user: ticket.user, ip: clientIP, id: ticket.id))
        }
    }

    /// The open connections counted under `ip` (per-IP places held).
    package func openCount(ip: String) -> Int { state.withLock { $0.perIP[ip, default: 0] } }

    /// Admits the upgrade of an accepted connection (`ticket` from ``accept(ip:limits:)``) for `user`: counts the
    /// attempt towards the connect rates, then checks the per-user cap. On success the returned ticket replaces the
    /// accepted one; on refusal the accepted ticket stays valid (release it when the connection closes).
    package func upgrade(_ ticket: Ticket, user: String?, limits: WebSocketLimits, now: Date) -> Decision {
        state.withLock { state in
            state.connects.countCall(droppingWhere: { $0.isIdle(now, window: Self.connectWindow) })
            // Connect rates first: they count every attempt.
            var refusal: Refusal?
            if let user,
                !Self.record(now, in: &state.connects.entries["u:" + user, default: SlidingWindowLog()], limit: limits.connectsPerMinutePerUser)
            {
                refusal = Refusal(
                    limit: "connectsPerMinutePerUser",
                    code: "too_many_connects",
                    message: "Too many connections a minute for this user",
                    closeCode: 1008
                )
            }
            if let ip = ticket.ip,
                !Self.record(now, in: &state.connects.entries["i:" + ip, default: SlidingWindowLog()], limit: limits.connectsPerMinutePerIP),
                refusal == nil
            {
                refusal = Refusal(
                    limit: "connectsPerMinutePerIP",
                    code: "too_many_connects",
                    message: "Too many connections a minute from this address",
                    closeCode: 1008
                )
            }
            if let refusal { return .refused(refusal) }
            if let user, state.perUser[user, default: 0] >= limits.maxConnectionsPerUser {
                return .refused(
                    Refusal(
                        limit: "maxConnectionsPerUser",
                        code: "too_many_connections",
                        message: "Too many open connections for this user",
                        closeCode: 1008
                    )
                )
            }
            if let user { state.perUser[user, default: 0] += 1 }
            return .admitted(Ticket(user: user, ip: ticket.ip, id: ticket.id))
        }
    }

    /// ``accept(ip:limits:)`` and ``upgrade(_:user:limits:now:)`` in one step, for a socket admitted all at once.
    package func admit(user: String?, ip: String?, limits: WebSocketLimits, now: Date) -> Decision {
        switch accept(ip: ip, limits: limits) {
        case .refused(let refusal):
            return .refused(refusal)
        case .admitted(let accepted):
            let decision = upgrade(accepted, user: user, limits: limits, now: now)
            if case .refused = decision { release(accepted) }
            return decision
        }
    }

    /// Takes a place among the connections that are refused politely (upgraded, then sent the refusal's error frame
    /// and close code) rather than dropped at accept; false when `limit` of them are already in progress.
    func enterRefusalLane(limit: Int) -> Bool {
        state.withLock { state in
            guard state.refusing < limit else { return false }
            state.refusing += 1
            return true
        }
    }

    /// Gives back a place taken by ``enterRefusalLane(limit:)``.
    func leaveRefusalLane() {
        state.withLock { $0.refusing -= 1 }
    }

    /// Forgets an admitted socket.
    package func release(_ ticket: Ticket) {
        state.withLock { state in
            state.open -= 1
            if let user = ticket.user {
                let left = state.perUser[user, default: 1] - 1
                state.perUser[user] = left > 0 ? left : nil
            }
            if let ip = ticket.ip {
                let left = state.perIP[ip, default: 1] - 1
                state.perIP[ip] = left > 0 ? left : nil
            }
        }
    }

    /// The connects-per-minute window.
    private static let connectWindow: TimeInterval = 60

    /// Records a connect attempt at `now`; false if `limit` attempts already fell within the minute before it.
    private static func record(_ now: Date, in log: inout SlidingWindowLog, limit: Int) -> Bool {
        log.record(now, window: connectWindow, keep: limit) <= limit
    }
}
