import Synchronization

/// One accepted connection of the signaling listener, from accept to close: its place under the connection limits
/// (released when the connection closes, upgraded or not) and, for a connection accepted over a limit, the refusal
/// its upgrade will be answered with.
final class SignalingConnectionState: Sendable {
    private struct State {
        var ticket: ConnectionAdmission.Ticket?
        var inRefusalLane = false
        var outcome: WebSocketHandshakeOutcome?
        var unroutedUpgrade: String?
    }

    /// The client's IP address, when known.
    let remoteAddress: String?
    /// Why the connection is refused, when it was accepted over a limit (answered after the upgrade).
    let refusal: ConnectionAdmission.Refusal?
    private let state: Mutex<State>
    private let admission: ConnectionAdmission

    init(remoteAddress: String?, admission: ConnectionAdmission, ticket: ConnectionAdmission.Ticket?, refusal: ConnectionAdmission.Refusal?) {
        self.remoteAddress = remoteAddress
        self.admission = admission
        self.refusal = refusal
        self.state = Mutex(State(ticket: ticket, inRefusalLane: refusal != nil))
    }

    /// The connection's admission ticket (replaced by the upgraded one).
    var ticket: ConnectionAdmission.Ticket? {
        get { state.withLock { $0.ticket } }
        set { state.withLock { $0.ticket = newValue } }
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

    /// Gives back the connection's places; called once, when it closes.
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
