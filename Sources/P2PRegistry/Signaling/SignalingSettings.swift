import DocumentStore
import ServerConfig
import ServerEngine

/// The signaling limits from limits.yaml's `settings:`, read once per connection: a reload reports their edits as
/// needing a reconnect (``RegistrySettings``).
struct SignalingSettings: Sendable {
    let messageTypes: [String]
    let queueCap: Int
    let messagesPerSecond: Double
    let messageBurst: Int
    let maxInvalidMessages: Int
    let invalidMessageWindow: Double

    init(_ services: EngineServices) {
        let configuration = services.configuration
        messageTypes = configuration.setting(RegistrySettings.messageTypes)
        queueCap = configuration.setting(RegistrySettings.queueCap)
        messagesPerSecond = configuration.setting(RegistrySettings.messagesPerSecond)
        messageBurst = configuration.setting(RegistrySettings.messageBurst)
        maxInvalidMessages = configuration.setting(RegistrySettings.maxInvalidMessages)
        invalidMessageWindow = configuration.setting(RegistrySettings.invalidMessageWindow).seconds
    }
}
