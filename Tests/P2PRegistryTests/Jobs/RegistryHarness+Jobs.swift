import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import ServerConfig
import ServerEngine
import Testing

/// Running the registry's jobs in tests.
extension RegistryHarness {
    /// Runs a job of jobs.yaml once through the engine's scheduler, as `registry jobs run` does.
    func runJob(_ name: String) async throws -> JobOutcome {
        try await engine.makeJobScheduler(instanceId: "test").runOnce(name)
    }

    /// The job's handler bound to a context, without the scheduler's lease or in-process guard, so tests can race runs.
    func jobRun(_ name: String) throws -> @Sendable () async throws -> JobOutcome {
        let job = try #require(engine.configuration.jobs.first { $0.name == name })
        let handler = try #require(engine.handlers.jobHandlers[job.handler])
        let context = JobContext(job: job, services: engine.services, logger: engine.services.logger)
        return { try await handler(context) }
    }

    /// The deviceIds of a network's coordinators (online or not), sorted.
    func coordinators(_ network: String, onlineOnly: Bool = false) async throws -> [String] {
        var filter: Document = ["networkId": .string(network), "isCoordinator": true]
        if onlineOnly { filter["isOnline"] = true }
        return try await store.collection("devices").find(Filter(filter)).compactMap { $0["deviceId"]?.stringValue }.sorted()
    }

    /// Announces each device (deviceId → capabilities, nil for none) into `network` as its own user `user_<deviceId>`,
    /// one second apart so their `createdAt` order is the given order.
    func announce(_ network: String, _ devices: [(String, [String]?)]) async throws {
        var minted: [String: String] = [:]
        for (deviceId, _) in devices { minted[deviceId] = try await token("user_\(deviceId)", ttl: .seconds(86_400)) }
        let tokens = minted
        try await test { client async throws in
            for (deviceId, capabilities) in devices {
                let response = try await client.announce(network, peerId: deviceId, token: tokens[deviceId] ?? "", capabilities: capabilities)
                #expect(response.status == .ok, "announce \(deviceId): \(response.status)")
                clock.advance(by: 1)
            }
        }
    }
}
