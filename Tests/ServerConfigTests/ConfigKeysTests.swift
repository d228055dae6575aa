import Foundation
import ServerConfig
import Testing

/// The key table: each key declared once, the reader, the unknown-key check, the summary, the reload diff and the
/// README's reference all following it.
@Suite struct ConfigKeysTests {
    @Test func eachKeyIsDeclaredOnceAndNamesAField() {
        let paths = ConfigKeys.all.map { "\($0.file) \($0.path)" }
        #expect(Set(paths).count == paths.count, "\(paths)")
        for key in ConfigKeys.all {
            #expect(!key.field.isEmpty && !key.field.hasPrefix("\\"), "\(key.path): \(key.field)")
            #expect(!key.help.isEmpty, "\(key.path)")
        }
        #expect(ConfigKeys.key("limits.yaml", "websocket.maxFrameSize")?.field == "limits.maxFrameSize")
        #expect(ConfigKeys.key("limits.yaml", "websocket.sendBuffer")?.field == "limits.webSocket.sendBufferBytes")
    }

    @Test func theNewerKeysAreInTheTable() {
        for path in ["ice.stunUrls", "ice.turnUrls", "ice.turnSecret", "ice.credentialTtl", "http.cors.allowOrigins", "http.cors.maxAge"] {
            #expect(ConfigKeys.key("routes.yaml", path) != nil, "\(path)")
        }
        for path in ["presence.diffInterval", "websocket.allowedOrigins"] {
            #expect(ConfigKeys.key("limits.yaml", path) != nil, "\(path)")
        }
    }

    @Test func defaultsAreTheModelsDefaults() {
        #expect(ConfigKeys.key("limits.yaml", "websocket.maxFrameSize")?.defaultValue == "64KiB")
        #expect(ConfigKeys.key("limits.yaml", "presence.diffInterval")?.defaultValue == "1s")
        #expect(ConfigKeys.key("routes.yaml", "http.port")?.defaultValue == "3000")
        #expect(ConfigKeys.key("routes.yaml", "auth.jwt.secret")?.defaultValue == "<not set>")
    }

    @Test func reloadBehaviourIsNeverAppliedForWhatOpenSocketsDoNotFollow() {
        #expect(ConfigKeys.key("limits.yaml", "websocket.maxFrameSize")?.reload == .reconnect)
        #expect(ConfigKeys.key("limits.yaml", "websocket.pingInterval")?.reload == .restart)
        #expect(ConfigKeys.key("routes.yaml", "http.port")?.reload == .restart)
        #expect(ConfigKeys.key("routes.yaml", "ice.turnSecret")?.reload == .live)
    }

    @Test func theSummaryPrintsEveryKeyOfTheShippedFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var sources: [String: String] = [:]
        for file in ["routes.yaml", "limits.yaml", "jobs.yaml"] {
            sources[file] = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        }
        // `settings:` is typed by the application's catalog, which this module does not have.
        sources["limits.yaml"] = sources["limits.yaml"]?.components(separatedBy: "\nsettings:").first
        let environment = ["JWT_SECRET": String(repeating: "s", count: 32)]
        let config = try ConfigLoader(directory: root.path, environment: environment).load(sources: sources)
        let summary = config.summary()
        for key in ConfigKeys.all {
            #expect(summary.contains("\(key.name): \(key.value(in: config))"), "\(key.path) missing from the summary")
        }
    }

    @Test func anUnknownKeyInAnySectionIsNamedWithTheNearestKey() {
        let errors = ConfigFixtures.errors(limits: ConfigFixtures.limits + "\nauthThrottle:\n  maxFailure: 3\n")
        #expect(errors.map(\.message) == ["unknown key 'maxFailure'"], "\(errors)")
        #expect(errors.first?.suggestion == "maxFailures", "\(errors)")
    }

    @Test func theReadmeReferenceIsTheTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        for file in ["routes.yaml", "limits.yaml"] {
            let expected = "<!-- config-keys:\(file) -->\n" + ConfigKeys.reference(for: file) + "\n<!-- /config-keys -->"
            // `registry config-keys` prints the blocks to paste.
            #expect(readme.contains(expected), "README.md's \(file) reference differs from ConfigKeys; run `registry config-keys`")
        }
    }
}
