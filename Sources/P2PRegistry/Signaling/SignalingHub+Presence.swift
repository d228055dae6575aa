import DocumentStore
import Logging
import ServerConfig
import ServerEngine

/// Presence push on the signaling socket: `presence_subscribe` subscribes the socket to its device's network, which
/// its token's `networks` claim must grant; the subscription follows the device when it is announced elsewhere.
extension SignalingHub {
    /// Subscribes the socket of `deviceId` to its network's presence (``PresenceFeed``); returns the error frame to send
    /// when it cannot.
    func subscribePresence(_ deviceId: String, membership: NetworkMembership, session: WebSocketSession) async -> SignalingFrame.Rejection? {
        let services = session.services
        let network: String?
        if let current = membership.current {
            network = current
        } else {
            do {
                network = try await DeviceOwnership.network(of: deviceId, services: services)
            } catch {
                return Self.presenceFailure(error, services: services)
            }
        }
        guard let network else {
            return SignalingFrame.Rejection(
                code: "not_announced",
                message: "Announce this device in a network before subscribing to presence",
                countsAsInvalid: false
            )
        }
        guard session.user?.mayAccess(network: network) == true else {
            return SignalingFrame.Rejection(
                code: "network_forbidden",
                message: "Token does not grant access to network \(network)",
                countsAsInvalid: false
            )
        }
        let subscriber = PresenceNetwork.Subscriber(
            connectionId: session.connectionId,
            sendBuffer: session.sendBuffer,
            close: { code, reason in
                session.close(code, reason: reason, forceAfter: session.services.configuration.limits.webSocket.slowConsumerCloseTimeout)
            }
        )
        do {
            try await presence.subscribe(deviceId, to: network, subscriber: subscriber, services: services)
            return nil
        } catch {
            return Self.presenceFailure(error, services: services)
        }
    }

    /// Moves a subscription to the network its device was just announced in: the socket gets that network's
    /// `presence_state`, then its diffs.
    func followPresence(_ deviceId: String, to network: String, connection: ConnectionDirectory.Connection, services: EngineServices) {
        let subscriber = PresenceNetwork.Subscriber(connectionId: connection.connectionId, sendBuffer: connection.sendBuffer, close: connection.close)
        Task {
            do {
                try await presence.subscribe(deviceId, to: network, subscriber: subscriber, services: services)
            } catch {
                services.logger.warning("cannot move a presence subscription", metadata: ["deviceId": "\(deviceId)", "error": "\(error)"])
                presence.unsubscribe(deviceId, connectionId: connection.connectionId)
            }
        }
    }

    private static func presenceFailure(_ error: any Error, services: EngineServices) -> SignalingFrame.Rejection {
        services.logger.error("presence subscription failed", metadata: ["error": "\(String(reflecting: error))"])
        return SignalingFrame.Rejection(code: "server_error", message: "Presence could not be read; try again", countsAsInvalid: false)
    }
}
