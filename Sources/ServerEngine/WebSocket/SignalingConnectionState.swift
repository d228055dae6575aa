import NIOHTTP1
import ServerConfig
import Synchronization

/// One accepted connection of the signaling listener, from accept to close: its client address, its place under the
/// connection limits (released when the connection closes, upgraded or not) and, for a connection refused over a
/// limit, the refusal its upgrade will be answered with.
///
/// A connection from a trusted proxy (``forwarding`` set) is accepted without a per-IP place: its client is only
/// known from its upgrade request, where ``resolveClient(_:limits:)`` takes that client's place.
final class SignalingConnectionState: Sendable {
    private struct State {
        var refusal: ConnectionAdmission.Refusal?
        var clientAddress: String?
        var clientResolved = false
        var outcome: WebSocketHandshakeOutcome?
        var unroutedUpgrade: String?
        var forbiddenOrigin: String?
    }

    /// The TCP peer's IP address, when known.
    let peerAddress: String?
    /// How to read the client address from the upgrade request, when the peer is a trusted proxy; nil otherwise.
    let forwarding: ClientAddressResolver?
    private let state: Mutex<State>
    private let admission: ConnectionAdmission
    /// The connection's places, given back when it closes: all the connection keeps once upgraded.
    let place: ConnectionPlace

    /// A connection accepted with `ticket`, or refused at accept with `refusal` (then it holds a refusal lane place).
    /// `clientAddress` is the peer's canonical address, nil for a connection from a trusted proxy (`forwarding`).
    init(
        peerAddress: String?,
        clientAddress: String?,
        forwarding: ClientAddressResolver?,
        admission: ConnectionAdmission,
        ticket: ConnectionAdmission.Ticket?,
        refusal: ConnectionAdmission.Refusal?
    ) {
        self.peerAddress = peerAddress
        self.forwarding = forwarding
        self.admission = admission
        self.place = ConnectionPlace(admission: admission, ticket: ticket, inRefusalLane: refusal != nil)
        self.state = Mutex(State(refusal: refusal, clientAddress: clientAddress, clientResolved: forwarding == nil))
    }

    /// The client's IP address: the peer's, or for a connection from a trusted proxy the one its upgrade request
    /// forwarded (nil until ``resolveClient(_:limits:)``).
    var clientAddress: String? { state.withLock { $0.clientAddress } }

    /// Why the connection is refused, when it is over a limit (answered after the upgrade).
    var refusal: ConnectionAdmission.Refusal? { state.withLock { $0.refusal } }

    /// For a connection from a trusted proxy, reads the client address from the upgrade request's forwarding header
    /// and takes the client's place under `maxConnectionsPerIP`; over it, the connection is refused like one refused
    /// at accept. Does nothing for other connections, or the second time.
    func resolveClient(_ headers: HTTPHeaders, limits: WebSocketLimits) {
        guard let forwarding else { return }
        let client = forwarding.clientAddress(
            peer: peerAddress,
            xForwardedFor: headers["X-Forwarded-For"],
            forwarded: headers["Forwarded"]
        )
        let resolving = state.withLock { state in
            guard !state.clientResolved else { return false }
            state.clientResolved = true
            state.clientAddress = client
            return true
        }
        guard resolving, let client else { return }
        let refused = place.upgradeTicket { ticket in admission.acceptForwarded(ticket, clientIP: client, limits: limits) }
        if case .refused(let refusal)? = refused {
            state.withLock { $0.refusal = $0.refusal ?? refusal }
        }
    }

    /// Records what the upgrade decided (taken with ``takeOutcome()`` when the socket's handler is installed).
    func record(_ outcome: WebSocketHandshakeOutcome) {
        state.withLock { $0.outcome = outcome }
    }

    /// The upgrade's outcome, let go of here (it holds the route's closure and parameters).
    func takeOutcome() -> WebSocketHandshakeOutcome? {
        state.withLock { state in
            defer { state.outcome = nil }
            return state.outcome
        }
    }

    /// The `METHOD path` of an upgrade request for a path that is no WebSocket route (answered 404 by the HTTP handler).
    var unroutedUpgrade: String? {
        get { state.withLock { $0.unroutedUpgrade } }
        set { state.withLock { $0.unroutedUpgrade = newValue } }
    }

    /// The `Origin` of an upgrade request refused because `websocket.allowedOrigins` does not list it (answered 403 by
    /// the HTTP handler).
    var forbiddenOrigin: String? {
        get { state.withLock { $0.forbiddenOrigin } }
        set { state.withLock { $0.forbiddenOrigin = newValue } }
    }

}

/// A connection's places under the connection limits (``ConnectionAdmission``), from accept until it closes. Kept
/// apart from ``SignalingConnectionState`` so that an upgraded socket holds only this small object, not the
/// handshake's state (BENCHMARKS.md, "Memory per socket").
final class ConnectionPlace: Sendable {
    private struct State {
        var ticket: ConnectionAdmission.Ticket?
        var inRefusalLane: Bool
    }

    private let admission: ConnectionAdmission
    private let state: Mutex<State>

    init(admission: ConnectionAdmission, ticket: ConnectionAdmission.Ticket?, inRefusalLane: Bool) {
        self.admission = admission
        self.state = Mutex(State(ticket: ticket, inRefusalLane: inRefusalLane))
    }

    /// Replaces the ticket with the one `decide` admits, atomically with ``release()``: nil (and `decide` is not
    /// called) once the connection has closed, so a place taken for a closed connection is never left counted.
    func upgradeTicket(_ decide: (ConnectionAdmission.Ticket) -> ConnectionAdmission.Decision) -> ConnectionAdmission.Decision? {
        state.withLock { state in
            guard let ticket = state.ticket else { return nil }
            let decision = decide(ticket)
            if case .admitted(let upgraded) = decision { state.ticket = upgraded }
            return decision
        }
    }

    /// Gives back the places, when the connection closes; the second call does nothing.
    func release() {
        let (ticket, lane) = state.withLock { state in
            defer {
                state.ticket = nil
                state.inRefusalLane = false
            }
            return (state.ticket, state.inRefusalLane)
        }
        if let ticket { admission.release(ticket) }
        if lane { admission.leaveRefusalLane() }
    }
}
