import DocumentStore
import Foundation
import ServerEngine

/// `GET /network/:networkId/peers`: the devices of a network seen within the online window, most recent first.
///
/// Polling clients revalidate: the response carries an `ETag`, and a request whose `If-None-Match` names the
/// current tag gets `304 Not Modified` without a body. The tag is computed from the matched devices' listed
/// fields, before anything is sorted or rendered, so a `304` costs the index lookup and a hash. A `200` whose tag was
/// rendered before for the network reuses that body (`listings`), so pollers of an unchanged network share one
/// rendering.
package enum PeersHandler {
    static func handle(_ context: HandlerContext, listings: PeersListingCache) async throws -> HandlerResponse {
        _ = try context.requireUser()
        let networkId = try context.parameter("networkId")
        let devices = try await onlineDevices(in: networkId, services: context.services)
        let tag = entityTag(of: devices)
        if context.ifNoneMatch(matches: tag) { return .notModified(entityTag: tag) }
        let body: HandlerBody
        if let rendered = listings.body(network: networkId, tag: tag) {
            body = rendered
        } else {
            body = DeviceView.peersListing(newestFirst(devices))
            listings.store(body, network: networkId, tag: tag)
        }
        return .json(rendered: body, headers: [.eTag: tag])
    }

    /// The devices online in `networkId`: announced (or connected) within the online window and not swept or left.
    /// Through the `networkId_1_isOnline_1` index. Unsorted: the order (lastSeen descending, then deviceId) is a
    /// function of the listed fields, so the handler sorts once on extracted keys, after the 304 check.
    static func onlineDevices(in networkId: String, services: EngineServices) async throws -> [Document] {
        let since = services.clock.now().addingTimeInterval(-services.ttl(RegistryHandlers.TTL.deviceOnline).seconds)
        return try await services.collection(RegistryCollections.devices).find(
            ["networkId": .string(networkId), "isOnline": true, "lastSeen": ["$gte": .date(since)]]
        )
    }

    /// Most recently seen first, then by deviceId: the order the spec's `sort({ lastSeen: -1 })` gives, made total.
    package static func newestFirst(_ devices: [Document]) -> [Document] {
        let keys = devices.map { device -> (Int64, String) in
            let lastSeen: Int64 = if case .date(let stamp) = device["lastSeen"] { stamp.millisecondsSinceEpoch } else { .min }
            return (lastSeen, device["deviceId"]?.stringValue ?? "")
        }
        let order = devices.indices.sorted { left, right in
            let (a, b) = (keys[left], keys[right])
            return a.0 != b.0 ? a.0 > b.0 : bytewiseLess(a.1, b.1)
        }
        return order.map { devices[$0] }
    }

    /// UTF-8 byte order (MongoDB's string order), by `memcmp` on native strings.
    package static func bytewiseLess(_ left: String, _ right: String) -> Bool {
        let fast = left.utf8.withContiguousStorageIfAvailable { a in
            right.utf8.withContiguousStorageIfAvailable { b -> Bool in
                let common = min(a.count, b.count)
                guard common > 0, let first = a.baseAddress, let second = b.baseAddress else { return a.count < b.count }
                let order = memcmp(first, second, common)
                return order != 0 ? order < 0 : a.count < b.count
            }
        }
        return (fast ?? nil) ?? left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    /// A strong entity tag for the listing of `devices`: the count and an order-independent combination of a
    /// hash of each device's listed fields (the listing's order follows from those fields). Any change to a
    /// listed field, a device joining or leaving the online window, changes it.
    static func entityTag(of devices: [Document]) -> String {
        var sum: UInt64 = 0
        for device in devices {
            var hasher = EntityTagHasher(seed: 0x7065_6572_7376_3031)  // "peersv01": bump when DeviceView.peersListing changes
            for field in DeviceView.peerFields { hasher.combine(device[field] ?? .null) }
            sum &+= hasher.finalize()
        }
        var total = EntityTagHasher()
        total.combine(word: sum)
        total.combine(word: UInt64(devices.count))
        let hex = String(total.finalize(), radix: 16)
        return "\"p\(devices.count)-\(String(repeating: "0", count: 16 - hex.count))\(hex)\""
    }
}
