import Foundation
import ServerEngine
import Testing

/// The document follows a live reload (SIGHUP): it is generated again from the new limits.yaml.
@Suite struct OpenAPIReloadTests {
    @Test func aReloadedRateLimitIsInTheServedDocument() async throws {
        let registry = try await LiveRegistry.start(environment: LiveReloadTests.environment)
        try await stopping(registry) {
            let copy = try LiveReloadTests.ConfigCopy()
            defer { copy.remove() }
            func announceDescription() async throws -> String {
                let reply = try await registry.http("GET", "/openapi.json", token: nil)
                #expect(reply.status == 200)
                return OpenAPIDocumentTests.object(reply.json, "paths", "/network/{networkId}/announce", "post")?["description"] as? String ?? ""
            }
            #expect(try await announceDescription().contains("(`announce`): 12 requests per"))
            try copy.editLimits("RATE_LIMIT_MAX_REQUESTS:-12}", "RATE_LIMIT_MAX_REQUESTS:-3}")
            _ = registry.engine.reloadConfiguration(loader: copy.loader)
            #expect(try await announceDescription().contains("(`announce`): 3 requests per"))
        }
    }
}
