import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine

/// The `metricsRefresh` job: recomputes the store-derived gauges from the devices collection, so a scrape never
/// queries the store.
///
/// - `active_devices`: online devices (`isOnline` and seen within the online window), across all networks.
/// - `active_networks`: networks with at least one online device.
/// - `coordinator_count{network}`: online coordinators per network. At most `metricsMaxNetworkSeries` networks
///   (limits.yaml, default 100) keep their own series, those with the most coordinators; the rest are summed under
///   `network="other"`, so the number of series never exceeds the limit plus one.
/// - The signaling counters are registered at zero, so they appear before the first message.
enum MetricsRefreshJob {
    static func run(_ context: JobContext) async throws -> JobOutcome {
        let services = context.services
        let onlineSince = services.clock.now().addingTimeInterval(-services.ttl(RegistryHandlers.TTL.deviceOnline).seconds)
        let online = try await services.collection(RegistryCollections.devices).find(
            ["isOnline": true, "lastSeen": ["$gte": .date(onlineSince)]],
            options: FindOptions(projection: ["networkId": 1, "isCoordinator": 1])
        )
        var coordinators: [String: Int] = [:]
        for device in online {
            guard let network = device["networkId"]?.stringValue else { continue }
            coordinators[network, default: 0] += device["isCoordinator"]?.boolValue == true ? 1 : 0
        }
        let metrics = services.metrics
        RegistryMetrics.registerSignalingCounters(on: metrics)
        metrics.setGauge(RegistryMetrics.activeDevices, help: "Online devices (seen within the online window)", to: Double(online.count))
        metrics.setGauge(RegistryMetrics.activeNetworks, help: "Networks with at least one online device", to: Double(coordinators.count))
        let limit = services.configuration.setting(RegistrySettings.metricsMaxNetworkSeries)
        metrics.setBoundedGauges(
            RegistryMetrics.coordinatorCount,
            help: "Online coordinators per network; networks beyond metricsMaxNetworkSeries are summed under network=\"other\"",
            label: "network",
            values: coordinators,
            limit: limit
        )
        context.logger.debug("refreshed metrics", metadata: ["devices": "\(online.count)", "networks": "\(coordinators.count)"])
        return JobOutcome(changed: 0, details: ["devices": "\(online.count)", "networks": "\(coordinators.count)"])
    }
}
