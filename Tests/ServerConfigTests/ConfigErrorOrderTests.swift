import Foundation
import ServerConfig
import Testing

/// What one run reports when a file is missing or does not parse: the cause first, none of its consequences, and
/// every independent problem of the other files.
@Suite struct ConfigErrorOrderTests {
    @Test func aMissingDirectoryReportsTheUnreadableFilesFirstAndNothingThatFollows() throws {
        do {
            _ = try ConfigLoader(directory: "/nonexistent-\(UUID().uuidString)", environment: [:], catalog: ConfigFixtures.catalog).load()
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .unreadableFile)
            let errors = error.errors
            #expect(errors.map(\.location.file) == ["limits.yaml", "routes.yaml"])
            #expect(errors.allSatisfy { $0.message.hasPrefix("cannot read /nonexistent-") && $0.message.contains("(no such file)") })
            #expect(!error.diagnostics.contains { $0.message.contains("missing TTL") })
            // jobs.yaml is optional: a warning, after the errors.
            #expect(error.diagnostics.last?.location.file == "jobs.yaml")
            #expect(error.diagnostics.last?.severity == .warning)
        }
    }

    @Test func anUnreadableFileComesBeforeTheOtherFilesErrors() throws {
        let routes = ConfigFixtures.routes.replacingFirst("handler: announce", with: "handler: anounce")
        do {
            _ = try ConfigLoader(directory: ".", environment: [:], catalog: ConfigFixtures.catalog).load(
                sources: ["routes.yaml": routes, "jobs.yaml": ConfigFixtures.jobs],
                extraDiagnostics: [
                    ConfigDiagnostic(location: SourceLocation(file: "limits.yaml"), keyPath: "", message: "cannot read ./limits.yaml")
                ]
            )
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .unreadableFile)
            #expect(error.errors.map(\.message) == ["cannot read ./limits.yaml", "unknown handler 'anounce'"])
        }
    }

    @Test func aSyntaxErrorInOneFileDoesNotHideTheOtherFilesErrors() {
        let jobs = "jobs:\n  presenceSweep: [unclosed\n"
        let routes = ConfigFixtures.routes.replacingFirst("rateLimit: announce", with: "rateLimit: anounce")
        let errors = ConfigFixtures.errors(routes: routes, jobs: jobs)
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.contains { $0.location.file == "jobs.yaml" && $0.message.hasPrefix("invalid YAML") })
        #expect(errors.contains { $0.location.file == "routes.yaml" && $0.message.hasPrefix("unknown rate limit 'anounce'") })
    }

    @Test func aSyntaxErrorInLimitsSkipsOnlyTheChecksThatNeedLimits() {
        let limits = "http:\n  maxBodySize: [unclosed\n"
        let routes = ConfigFixtures.routes.replacingFirst("handler: peers", with: "handler: peerz")
        let errors = ConfigFixtures.errors(routes: routes, limits: limits)
        // The handler error is independent of limits.yaml; no "unknown rate limit" or "missing TTL" follows from the syntax error.
        #expect(errors.map(\.location.file) == ["limits.yaml", "routes.yaml"], "\(errors)")
        #expect(errors.last?.suggestion == "peers")
    }
}
