import Synchronization

/// Counts of what the signaling hub did, for tests and metrics.
struct SignalingCounters: Sendable, Equatable {
    /// Messages delivered live over a socket.
    var delivered = 0
    /// Messages stored for later delivery.
    var queued = 0
    /// Queued messages dropped by the per-device queue cap.
    var dropped = 0
    /// Client frames refused with an error frame.
    var rejected = 0
    /// Live messages sent to the offline queue because the recipient's send buffer was full.
    var diverted = 0
    /// Sockets closed with 1013 for falling too far behind.
    var slowConsumerCloses = 0
}
