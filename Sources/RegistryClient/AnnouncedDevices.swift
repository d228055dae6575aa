import Synchronization

/// The last successful announce of each device a client announced, and where: what a signaling connection repeats
/// when the server answers a frame with `not_announced` (the device's presence expired or was removed). A device the
/// client took offline with `leave` is forgotten, so it is not brought back behind the app's back.
final class AnnouncedDevices: Sendable {
    private let devices = Mutex<[String: (announcement: Announcement, network: String)]>([:])

    func record(_ announcement: Announcement, in network: String) {
        devices.withLock { $0[announcement.peerId] = (announcement, network) }
    }

    func forget(_ deviceId: String) {
        devices.withLock { $0[deviceId] = nil }
    }

    func last(of deviceId: String) -> (announcement: Announcement, network: String)? {
        devices.withLock { $0[deviceId] }
    }
}
