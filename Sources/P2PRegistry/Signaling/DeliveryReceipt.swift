import DocumentStore
import Foundation
import ServerEngine

/// Delivery receipts (*added*): a message that carries an `id` is answered, once the server has handed it to the
/// recipient's socket or stored it in the offline queue, with
/// `{"type":"delivered","id":…,"delivery":"live"|"queued","timestamp":…}`. A message forwarded to the recipient's
/// instance carries the request along (``attach(_:to:)``); that instance sends the receipt back through the cluster bus.
enum DeliveryReceipt {
    /// Where a message went.
    enum Delivery: String, Sendable {
        /// Handed to the recipient's socket.
        case live
        /// Stored in the offline queue.
        case queued
    }

    /// The cluster item kind of a receipt on its way back to the sender's instance: `key` is the sender's deviceId,
    /// `body` is `{"id","delivery","at"}`.
    static let clusterKind = "receipt"

    /// The receipt frame.
    static func frame(id: String, delivery: Delivery, at time: Date) -> String {
        JSONWriter.string([
            "type": "delivered", "id": .string(id), "delivery": .string(delivery.rawValue),
            "timestamp": .int(SignalingFrame.milliseconds(time)),
        ])
    }

    /// What a forwarded message carries so that the recipient's instance can answer: the client's id and the
    /// sender's connection.
    struct Request: Sendable, Equatable {
        var id: String
        var connectionId: String
    }

    /// The key under which a forwarded message's body carries the request (never stored, never sent to the recipient).
    private static let bodyKey = "receipt"

    /// `stored` with `request` attached, for the cluster bus.
    static func attach(_ request: Request?, to stored: Document) -> Document {
        guard let request else { return stored }
        var body = stored
        body[bodyKey] = ["id": .string(request.id), "connectionId": .string(request.connectionId)]
        return body
    }

    /// A forwarded message's body without its request, and the request.
    static func detach(from body: Document) -> (stored: Document, request: Request?) {
        guard body[bodyKey] != nil else { return (body, nil) }
        var stored = body
        let value = stored.removeValue(forKey: bodyKey)?.documentValue
        guard let id = value?["id"]?.stringValue, let connectionId = value?["connectionId"]?.stringValue else { return (stored, nil) }
        return (stored, Request(id: id, connectionId: connectionId))
    }
}
