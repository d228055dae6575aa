import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine

/// The `coordinatorElection` job (the spec's coordinator selection): keeps at least
/// `minCoordinatorsPerNetwork` online coordinators in every network that has online devices.
///
/// - Online means `isOnline: true` and `lastSeen` within the online window (`deviceOnline`), so a coordinator
///   that went silent stops counting even before the presence sweep marks it offline, and the next run
///   replaces it.
/// - Only online non-coordinators with the `store` or `relay` capability are promoted, never others. The best
///   candidate first: devices with both capabilities, then the earliest announced (`createdAt`, the longest
///   known), then by `deviceId` so the choice is deterministic.
/// - Exactly the missing number is promoted (the spec's `updateMany(..., { limit })` is not a MongoDB option
///   and would promote every candidate). One read of the network's online coordinators and candidates gives
///   the count and the ranked candidates together; the best `missing` candidates are the run's targets, each
///   promoted by `_id` with a filter that re-checks it is still an online non-coordinator. A target that no
///   longer matches because a racing run promoted it counts as done; one that went offline is replaced by the
///   next candidate.
/// - Two runs racing (the job lease normally prevents that) therefore agree: both rank the same devices the
///   same way, so what one has already promoted is among the other's best candidates, which it then counts
///   instead of promoting another device. Only a device announced between their reads can make them disagree.
/// - Promotion sets `isCoordinator: true` and adds `coordinator` to `capabilities`; announce never demotes it.
///   The log and the outcome report how many devices were really promoted.
/// - Each promotion is a presence change (``PresenceFeed``): subscribers get the device's new entry as a join.
enum CoordinatorElectionJob {
    /// The capabilities that make a device eligible.
    static let eligibleCapabilities: [String] = ["store", "relay"]

    static func run(_ context: JobContext, presence: PresenceFeed? = nil) async throws -> JobOutcome {
        let minimum = context.services.configuration.setting(RegistrySettings.minCoordinatorsPerNetwork)
        let now = context.services.clock.now()
        let election = Election(
            devices: context.services.collection(RegistryCollections.devices),
            onlineSince: now.addingTimeInterval(-context.services.ttl(RegistryHandlers.TTL.deviceOnline).seconds),
            minimum: minimum,
            logger: context.logger,
            presence: presence
        )
        let networks = try await election.devices.distinct("networkId", filter: Filter(election.online()))
        var promoted = 0
        var short = 0
        for network in networks.compactMap(\.stringValue) {
            let result = try await election.elect(in: network)
            promoted += result.promoted
            if result.coordinators < minimum { short += 1 }
        }
        return JobOutcome(
            changed: promoted,
            details: ["networks": "\(networks.count)", "networksBelowMinimum": "\(short)", "minimum": "\(minimum)"]
        )
    }

    /// One run's view: the devices collection, the online window's start and the minimum.
    struct Election {
        let devices: any DocumentCollection
        let onlineSince: Date
        let minimum: Int
        let logger: Logger
        /// Told of each promotion.
        var presence: PresenceFeed? = nil

        /// The filter of online devices, plus `extra` conditions.
        func online(_ extra: Document = [:]) -> Document {
            var filter: Document = ["isOnline": true, "lastSeen": ["$gte": .date(onlineSince)]]
            for (key, value) in extra { filter[key] = value }
            return filter
        }

        /// Promotes the best candidates of `network` until it has `minimum` online coordinators or no candidate
        /// is left. Returns how many this run promoted and how many online coordinators the network has now.
        func elect(in network: String) async throws -> (promoted: Int, coordinators: Int) {
            let eligible = eligibleCapabilities.map(Value.string)
            let snapshot = try await devices.find(
                Filter(online(["networkId": .string(network), "$or": [["isCoordinator": true], ["capabilities": ["$in": .array(eligible)]]]])),
                options: FindOptions(projection: ["_id": 1, "deviceId": 1, "isCoordinator": 1, "capabilities": 1, "createdAt": 1])
            )
            var coordinators = snapshot.filter { $0["isCoordinator"] == true }.count
            let missing = max(0, minimum - coordinators)
            var promoted = 0
            var candidates = Self.ranked(snapshot.filter { $0["isCoordinator"] != true })[...]
            let reCheck = online(["networkId": .string(network), "isCoordinator": ["$ne": true]])
            while coordinators < minimum, let candidate = candidates.popFirst(), let id = candidate["_id"] {
                var filter = reCheck
                filter["_id"] = id
                let result = try await devices.updateOne(
                    Filter(filter),
                    ["$set": ["isCoordinator": true], "$addToSet": ["capabilities": "coordinator"]],
                    upsert: false
                )
                if result.matchedCount > 0 {
                    promoted += 1
                    coordinators += 1
                    if let deviceId = candidate["deviceId"]?.stringValue { presence?.changed(deviceId, in: network) }
                    logger.debug(
                        "promoted device to coordinator",
                        metadata: ["networkId": "\(network)", "deviceId": "\(candidate["deviceId"] ?? .null)"]
                    )
                } else if try await devices.count(Filter(online(["_id": id, "isCoordinator": true]))) > 0 {
                    coordinators += 1  // a racing run promoted this target: it counts, and is not promoted twice
                }
            }
            if promoted > 0 {
                logger.info(
                    "promoted devices to coordinator",
                    metadata: ["networkId": "\(network)", "promoted": "\(promoted)", "missing": "\(missing)", "coordinators": "\(coordinators)"]
                )
            }
            if coordinators < minimum {
                logger.debug(
                    "network below the coordinator minimum: no online store or relay device left to promote",
                    metadata: ["networkId": "\(network)", "coordinators": "\(coordinators)", "minimum": "\(minimum)"]
                )
            }
            return (promoted, coordinators)
        }

        /// Candidates best first: both capabilities, then the earliest announced, then the smallest deviceId.
        static func ranked(_ candidates: [Document]) -> [Document] {
            func key(_ device: Document) -> (both: Bool, createdAt: Date, deviceId: String) {
                let capabilities = Set(device["capabilities"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                return (
                    eligibleCapabilities.allSatisfy(capabilities.contains),
                    device["createdAt"]?.dateValue ?? .distantFuture,
                    device["deviceId"]?.stringValue ?? ""
                )
            }
            return candidates.map { (key($0), $0) }.sorted { left, right in
                let (a, b) = (left.0, right.0)
                if a.both != b.both { return a.both }
                if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
                return a.deviceId < b.deviceId
            }.map(\.1)
        }
    }
}
