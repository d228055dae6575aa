import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Application background tasks run for the server's life; one that has nothing to do may return.
@Suite struct BackgroundTaskTests {
    @Test func aTaskThatReturnsAtOnceDoesNotStopTheServer() async throws {
        var handlers = EngineFixtures.handlers()
        let ran = Mutex(false)
        handlers.background("nothingToDo") { _ in ran.withLock { $0 = true } }
        let config = try ConfigLoader(directory: ".", environment: [:], catalog: handlers.catalog).load(sources: [
            "routes.yaml": EngineFixtures.routes + "\nhttp:\n  host: 127.0.0.1\n  port: 0\n", "limits.yaml": EngineFixtures.limits, "jobs.yaml": "",
        ])
        let engine = try await Engine(configuration: config, handlers: handlers, store: MemoryStore(), logger: Logger(label: "test"))
        let port = Mutex<Int?>(nil)
        let group = try engine.makeServiceGroup(instanceId: "t", onHTTPRunning: { bound in port.withLock { $0 = bound } })
        let server = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(30)  // a start, however slow the machine
        while port.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        while !ran.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ran.withLock { $0 })
        let bound = try #require(port.withLock { $0 })
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(bound)/healthz")!)
        #expect(String(decoding: data, as: UTF8.self).contains(#""status":"ok""#))
        await group.triggerGracefulShutdown()
        try await server.value
    }
}
