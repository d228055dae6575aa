import DocumentStore
import ServerConfig
import ServerEngine

/// The signaling limits from limits.yaml's `settings:`, read once per connection.
struct SignalingSettings: Sendable {
    let messageTypes: [String]
    let queueCap: Int
    let messagesPerSecond: Double
    let messageBurst: Int
    let maxInvalidMessages: Int
    let invalidMessageWindow: Double

    init(_ services: EngineServices) {
        messageTypes = services.setting("messageTypes")?.stringListValue ?? ["offer", "answer", "ice-candidate"]
        queueCap = services.setting("queueCapPerDevice")?.intValue ?? 100
        if case .number(let rate)? = services.setting("messagesPerSecond") { messagesPerSecond = rate } else { messagesPerSecond = 50 }
        messageBurst = services.setting("messageBurst")?.intValue ?? 100
        maxInvalidMessages = services.setting("maxInvalidMessages")?.intValue ?? 10
        invalidMessageWindow = services.setting("invalidMessageWindow")?.durationValue?.seconds ?? 60
    }
}
