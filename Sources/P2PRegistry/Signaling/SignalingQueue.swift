import DocumentStore
import Foundation
import ServerEngine

/// The offline queue in `signaling_channels`: one document per pair of devices (`channelId` is the two
/// deviceIds sorted and joined with `_`), holding the messages not yet delivered in either direction.
struct SignalingQueue: Sendable {
    let services: EngineServices

    private var channels: any DocumentCollection { services.collection(RegistryCollections.signalingChannels) }

    /// The channel id of a pair: the sorted deviceIds joined with `_`.
    static func channelId(_ first: String, _ second: String) -> String {
        [first, second].sorted().joined(separator: "_")
    }

    /// Queues `message` (with `id`, `type`, `from`, `to`, `data`, `timestamp`) and moves the channel's expiry
    /// forward; then drops the recipient's oldest messages beyond `cap`. Returns how many were dropped.
    @discardableResult
    func enqueue(_ message: Document, cap: Int) async throws -> Int {
        guard let from = message["from"]?.stringValue, let to = message["to"]?.stringValue else { return 0 }
        try await push(.document(message), from: from, to: to)
        return try await enforceCap(for: to, cap: cap)
    }

    /// Queues `messages` for one recipient `to` at once: one update per channel (`$push` with `$each`, in the given order)
    /// and one cap check, where ``enqueue(_:cap:)`` would take two store calls and a cap check per message. Puts back
    /// what a flush could not send (a long backlog would otherwise cost a store round per message per flush). Returns
    /// how many the cap dropped.
    @discardableResult
    func enqueue(all messages: [Document], to: String, cap: Int) async throws -> Int {
        var senders: [String] = []
        var bySender: [String: [Value]] = [:]
        for message in messages {
            guard let from = message["from"]?.stringValue, message["to"]?.stringValue == to else { continue }
            if bySender[from] == nil { senders.append(from) }
            bySender[from, default: []].append(.document(message))
        }
        guard !senders.isEmpty else { return 0 }
        for from in senders {
            try await push(["$each": .array(bySender[from] ?? [])], from: from, to: to)
        }
        return try await enforceCap(for: to, cap: cap)
    }

    /// Appends `element` (a message, or `$each` of several) to the channel of `from` and `to`, creating it if needed, and
    /// moves the channel's expiry forward.
    private func push(_ element: Value, from: String, to: String) async throws {
        let now = services.clock.now()
        let expiresAt = now.addingTimeInterval(services.ttl(RegistryHandlers.TTL.signaling).seconds)
        let pair = [from, to].sorted()
        _ = try await channels.updateOne(
            ["channelId": .string(Self.channelId(from, to))],
            [
                "$push": ["messages": element],
                "$set": ["expiresAt": .date(expiresAt)],
                "$setOnInsert": ["participants": .array(pair.map(Value.string)), "createdAt": .date(now)],
            ],
            upsert: true
        )
    }

    /// Removes the oldest messages queued for `deviceId` beyond `cap`, across its channels.
    private func enforceCap(for deviceId: String, cap: Int) async throws -> Int {
        let pending = try await channels.find(
            ["participants": .string(deviceId), "messages.to": .string(deviceId)],
            options: FindOptions(projection: ["messages": 1])
        )
        var queued: [(channel: Value, id: Value, timestamp: Value)] = []
        for channel in pending {
            guard let channelKey = channel["_id"] else { continue }
            for message in channel["messages"]?.arrayValue ?? [] {
                guard let document = message.documentValue, document["to"]?.stringValue == deviceId, let id = document["id"] else { continue }
                queued.append((channelKey, id, document["timestamp"] ?? .null))
            }
        }
        guard queued.count > cap else { return 0 }
        queued.sort { Value.compare($0.timestamp, $1.timestamp) < 0 }
        let excess = queued.prefix(queued.count - cap)
        // Count what each update really removed: two senders enforcing the cap at once must not both report the
        // same dropped message.
        var removed = 0
        for (channel, group) in Dictionary(grouping: excess, by: { $0.channel }) {
            let ids = group.map(\.id)
            let before = try await channels.findOneAndUpdate(
                ["_id": channel],
                ["$pull": ["messages": ["id": ["$in": .array(ids)]]]],
                upsert: false,
                returnDocument: .before,
                options: FindOptions(projection: ["messages": 1])
            )
            let present = Set((before?["messages"]?.arrayValue ?? []).compactMap { $0.documentValue?["id"]?.stringValue })
            removed += ids.filter { $0.stringValue.map(present.contains) ?? false }.count
        }
        return removed
    }

    /// Returns and removes every message queued for `deviceId`, oldest first. Each channel is read and emptied of
    /// the device's messages in one atomic step: a message queued meanwhile stays for the next drain, and two
    /// concurrent drains never return the same message.
    func drain(_ deviceId: String) async throws -> [Document] {
        let pending = try await channels.find(
            ["participants": .string(deviceId), "messages.to": .string(deviceId)],
            options: FindOptions(projection: ["_id": 1])
        )
        var messages: [Document] = []
        for channel in pending {
            guard let id = channel["_id"] else { continue }
            let before = try await channels.findOneAndUpdate(
                ["_id": id, "messages.to": .string(deviceId)],
                ["$pull": ["messages": ["to": .string(deviceId)]]],
                upsert: false,
                returnDocument: .before,
                options: FindOptions()
            )
            for message in before?["messages"]?.arrayValue ?? [] {
                if let document = message.documentValue, document["to"]?.stringValue == deviceId { messages.append(document) }
            }
        }
        // Oldest first; within one millisecond by id (a message put back after a failed write sits behind newer ones).
        messages.sort {
            let byTime = Value.compare($0["timestamp"] ?? .null, $1["timestamp"] ?? .null)
            return byTime != 0 ? byTime < 0 : Value.compare($0["id"] ?? .null, $1["id"] ?? .null) < 0
        }
        return messages
    }
}
