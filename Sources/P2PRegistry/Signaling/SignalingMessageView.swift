import DocumentStore

/// The JSON shape of a queued signaling message: the spec's `{type, from, to, data, timestamp}`, plus its `id`.
enum SignalingMessageView {
    static func queued(_ message: Document) -> Value {
        [
            "id": message["id"] ?? .null,
            "type": message["type"] ?? .null,
            "from": message["from"] ?? .null,
            "to": message["to"] ?? .null,
            "data": message["data"] ?? .null,
            "timestamp": message["timestamp"] ?? .null,
        ]
    }
}
