import Synchronization

/// The network a connected device is announced in, as its socket remembers it, so relaying a message needs no
/// store read per message. Filled from the store on first use; an announce into another network updates it
/// through the hub (``SignalingHub/deviceAnnounced(_:in:services:)``), across instances through the cluster bus.
final class NetworkMembership: Sendable {
    private let network = Mutex<String?>(nil)

    /// The remembered network; nil when not known yet.
    var current: String? { network.withLock { $0 } }

    /// Remembers `networkId`.
    func set(_ networkId: String?) { network.withLock { $0 = networkId } }
}
