/// The spec's collection names.
public enum RegistryCollections {
    /// Devices and their presence.
    public static let devices = "devices"
    /// Queued signaling messages, one document per pair of devices.
    public static let signalingChannels = "signaling_channels"
}
