import ServerConfig
import Testing

@Suite struct ConfigLoaderTests {
    @Test func validFilesLoadWithDefaults() throws {
        let config = try ConfigFixtures.load()
        #expect(config.service == "test")
        #expect(config.http.port == 3000)
        #expect(config.http.backlog == 4096)
        #expect(config.webSocket.port == 8080)
        #expect(config.routes.map(\.handler) == ["announce", "peers"])
        #expect(config.routes[0].method == "POST")
        #expect(config.routes[0].pathParameters == ["networkId"])
        #expect(config.limits.maxBodySize == 65536)
        #expect(config.limits.rateLimits["announce"]?.max == 12)
        #expect(config.limits.rateLimits["announce"]?.window == .seconds(60))
        #expect(config.limits.rateLimits["announce"]?.key == .user)
        #expect(config.limits.rateLimits["announce"]?.message == "Too many presence announcements")
        #expect(config.limits.ttls["deviceOnline"] == .seconds(600))
        #expect(config.jobs.first?.interval == .seconds(300))
        #expect(config.jobs.first?.lease == .seconds(300))
        #expect(config.webSocketRoutes.first?.path == "/signaling/:deviceId")
        #expect(config.collections.first?.indexes.first?.resolvedName == "deviceId_1")
        #expect(config.collections.first?.ttlName == "deviceOnline")
    }

    @Test func specEnvironmentVariablesAreApplied() throws {
        let config = try ConfigFixtures.load(environment: [
            "PORT": "4000", "SIGNALING_PORT": "9000", "SIGNALING_PATH": "/ws", "RATE_LIMIT_MAX_REQUESTS": "5",
            "RATE_LIMIT_WINDOW_MS": "1500", "DEVICE_TTL_MINUTES": "0.05", "PRESENCE_CLEANUP_INTERVAL": "500",
            "MIN_COORDINATORS_PER_NETWORK": "3", "JWT_SECRET": String(repeating: "k", count: 32),
        ])
        #expect(config.http.port == 4000)
        #expect(config.webSocket.port == 9000)
        #expect(config.webSocketRoutes.first?.path == "/ws/:deviceId")
        #expect(config.limits.rateLimits["announce"]?.max == 5)
        #expect(config.limits.rateLimits["announce"]?.window == .milliseconds(1500))
        #expect(config.limits.ttls["deviceOnline"] == .seconds(3))
        #expect(config.jobs.first?.interval == .milliseconds(500))
        #expect(config.limits.settings["minCoordinatorsPerNetwork"] == .integer(3))
        #expect(config.auth.hasSecret)
        #expect(config.warnings.isEmpty)
    }

    @Test func settingDefaultsFillWhatTheFileOmits() throws {
        let config = try ConfigFixtures.load()
        #expect(config.limits.settings["messageTypes"] == .stringList(["offer"]))
    }

    @Test func missingSecretIsAWarningNotAnError() throws {
        let config = try ConfigFixtures.load()
        #expect(config.warnings.contains { $0.message.contains("JWT_SECRET") && $0.location.file == "routes.yaml" })
    }

    @Test func misspeltHandlerNamesFileLineAndSuggestion() {
        let routes = ConfigFixtures.routes.replacingFirst("handler: announce", with: "handler: anounce")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.count == 1)
        let error = errors.first
        #expect(error?.location.file == "routes.yaml")
        #expect(error?.location.line == ConfigFixtures.line(of: "handler: anounce", in: routes))
        #expect(error?.suggestion == "announce")
        #expect(error?.description.contains("unknown handler 'anounce'") == true)
        #expect(error?.description.contains("did you mean 'announce'?") == true)
    }

    @Test func badDurationNamesFileAndLine() {
        let jobs = ConfigFixtures.jobs.replacingFirst("${PRESENCE_CLEANUP_INTERVAL:-300000}ms", with: "5 minutes")
        let errors = ConfigFixtures.errors(jobs: jobs)
        #expect(errors.count == 1)
        #expect(errors.first?.location.file == "jobs.yaml")
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "5 minutes", in: jobs))
        #expect(errors.first?.keyPath == "jobs.presenceSweep.interval")
    }

    @Test func badDurationFromEnvironmentNamesTheLineThatReadsIt() {
        let errors = ConfigFixtures.errors(environment: ["DEVICE_TTL_MINUTES": "ten"])
        #expect(errors.count == 1)
        #expect(errors.first?.location.file == "limits.yaml")
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "deviceOnline:", in: ConfigFixtures.limits))
    }

    @Test func unknownKeyIsRejectedWithSuggestion() {
        let limits = ConfigFixtures.limits.replacingFirst("maxBodySize", with: "maxBodySise")
        let errors = ConfigFixtures.errors(limits: limits)
        #expect(errors.count == 1)
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "maxBodySise", in: limits))
        #expect(errors.first?.suggestion == "maxBodySize")
    }

    @Test func unknownTopLevelKeyIsRejected() {
        let errors = ConfigFixtures.errors(routes: ConfigFixtures.routes + "\nroutez: []\n")
        #expect(errors.contains { $0.message.contains("unknown key 'routez'") && $0.suggestion == "routes" })
    }

    @Test func invalidRegexNamesFileAndLine() {
        let routes = ConfigFixtures.routes.replacingFirst("'^peer_[a-zA-Z0-9_]+$'", with: "'^peer_[a-z(+$'")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.count == 1)
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "^peer_[a-z(+$", in: routes))
        #expect(errors.first?.message.contains("invalid regular expression") == true)
    }

    @Test func duplicateRouteIsRejectedEvenWithOtherParameterNames() {
        let routes = ConfigFixtures.routes.replacingFirst(
            "  - method: GET\n    path: /network/:networkId/peers",
            with: """
                  - method: GET
                    path: /network/:id/peers
                    handler: peers
                    network: id
                  - method: GET
                    path: /network/:networkId/peers
                """
        )
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("duplicate route GET /network/:networkId/peers") == true)
    }

    @Test func unknownRateLimitIsRejected() {
        let routes = ConfigFixtures.routes.replacingFirst("rateLimit: announce", with: "rateLimit: anounce")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.map(\.suggestion) == ["announce"])
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "rateLimit: anounce", in: routes))
    }

    @Test func aJWTRouteMustDeclareTheNetworkItTouches() {
        let routes = ConfigFixtures.routes.replacingFirst("    network: networkId\n", with: "")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasPrefix("POST /network/:networkId/announce has auth: jwt but no `network:`") == true)
        #expect(ConfigFixtures.errors(routes: routes.replacingFirst("handler: announce", with: "handler: announce\n    network: none")).isEmpty)
    }

    @Test func aRoutesNetworkMustNameAPathParameterAndAKnownLookup() {
        let parameter = ConfigFixtures.errors(routes: ConfigFixtures.routes.replacingFirst("network: networkId", with: "network: network"))
        #expect(parameter.map(\.message) == ["network parameter 'network' is not a parameter of path /network/:networkId/announce"])
        #expect(parameter.map(\.suggestion) == ["networkId"])
        let lookup = ConfigFixtures.errors(routes: ConfigFixtures.routes.replacingFirst("lookup: deviceNetwork", with: "lookup: deviceNetwrk"))
        #expect(lookup.map(\.message) == ["unknown network lookup 'deviceNetwrk'"])
        #expect(lookup.map(\.suggestion) == ["deviceNetwork"])
    }

    @Test func unknownTTLOnIndexIsRejected() {
        let routes = ConfigFixtures.routes.replacingFirst("ttl: deviceOnline", with: "ttl: deviceOnlin")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.map(\.suggestion) == ["deviceOnline"])
    }

    @Test func ttlRequiredByTheCodeMustBeDefined() {
        let limits = ConfigFixtures.limits.replacingFirst("deviceOnline:", with: "deviceOffline:")
        let errors = ConfigFixtures.errors(limits: limits)
        #expect(errors.contains { $0.message.contains("missing TTL 'deviceOnline'") })
    }

    @Test func unknownJobHandlerIsRejected() {
        let jobs = ConfigFixtures.jobs.replacingFirst("handler: presenceSweep", with: "handler: presenceSwep")
        let errors = ConfigFixtures.errors(jobs: jobs)
        #expect(errors.map(\.suggestion) == ["presenceSweep"])
        #expect(errors.first?.location.file == "jobs.yaml")
    }

    @Test func unknownWebSocketHandlerIsRejected() {
        let routes = ConfigFixtures.routes.replacingFirst("handler: signaling", with: "handler: signalling")
        #expect(ConfigFixtures.errors(routes: routes).map(\.suggestion) == ["signaling"])
    }

    @Test func missingRequiredKeyIsReported() {
        let routes = ConfigFixtures.routes.replacingFirst("    handler: peers\n", with: "")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.contains { $0.message == "missing required key 'handler'" && $0.keyPath == "routes[1]" })
    }

    @Test func ruleForUndeclaredPathParameterIsRejected() {
        let routes = ConfigFixtures.routes.replacingFirst("networkId: { alphanumeric", with: "networkID: { alphanumeric")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.count == 1)
        #expect(errors.first?.suggestion == "networkId")
    }

    @Test func duplicateYAMLKeyIsRejected() {
        let limits = ConfigFixtures.limits.replacingFirst("  maxBodySize: 64KiB", with: "  maxBodySize: 64KiB\n  maxBodySize: 1MiB")
        let errors = ConfigFixtures.errors(limits: limits)
        #expect(errors.count == 1)
        #expect(errors.first?.message == "duplicate key 'maxBodySize'")
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "maxBodySize", in: limits))
    }

    @Test func yamlSyntaxErrorNamesTheLine() {
        let jobs = "jobs:\n  presenceSweep: [unclosed\n"
        let errors = ConfigFixtures.errors(jobs: jobs)
        #expect(errors.first?.location.file == "jobs.yaml")
        #expect((errors.first?.location.line ?? 0) >= 2)
        #expect(errors.first?.message.hasPrefix("invalid YAML") == true)
    }

    @Test func settingOfTheWrongTypeIsRejected() {
        let errors = ConfigFixtures.errors(environment: ["MIN_COORDINATORS_PER_NETWORK": "two"])
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("expected a whole number") == true)
    }

    @Test func unknownSettingIsRejectedWithSuggestion() {
        let limits = ConfigFixtures.limits + "\n  minCoordinatorPerNetwork: 3\n"
        let errors = ConfigFixtures.errors(limits: limits)
        #expect(errors.contains { $0.suggestion == "minCoordinatorsPerNetwork" })
    }

    @Test func eachWithoutArrayIsRejected() {
        let routes = ConfigFixtures.routes.replacingFirst("length: { max: 100 } }", with: "length: { max: 100 }, each: { in: [a] } }")
        #expect(ConfigFixtures.errors(routes: routes).contains { $0.message.contains("add 'array: true'") })
    }

    @Test func unsetRequiredVariableIsReportedWithItsName() {
        let routes = ConfigFixtures.routes.replacingFirst("${JWT_SECRET:-}", with: "${JWT_SECRET}")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.first?.message.contains("environment variable JWT_SECRET is not set") == true)
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "${JWT_SECRET}", in: routes))
    }

    @Test func sameListenerPortForHTTPAndWebSocketIsRejected() {
        #expect(
            ConfigFixtures.errors(environment: ["PORT": "5000", "SIGNALING_PORT": "5000"]).contains { $0.message.contains("both use port 5000") }
        )
    }

    @Test func outOfRangePortIsRejected() {
        #expect(ConfigFixtures.errors(environment: ["PORT": "70000"]).contains { $0.message.contains("out of range") })
    }

    @Test func unsupportedMethodIsRejectedWithSuggestion() {
        let routes = ConfigFixtures.routes.replacingFirst("method: POST", with: "method: PSOT")
        #expect(ConfigFixtures.errors(routes: routes).contains { $0.suggestion == "POST" })
    }

    @Test func everyProblemIsReportedInOneRun() {
        let routes = ConfigFixtures.routes.replacingFirst("handler: announce", with: "handler: anounce")
        let jobs = ConfigFixtures.jobs.replacingFirst("${PRESENCE_CLEANUP_INTERVAL:-300000}ms", with: "5 minutes")
        let limits = ConfigFixtures.limits.replacingFirst("maxBodySize", with: "maxBodySise")
        #expect(ConfigFixtures.errors(routes: routes, limits: limits, jobs: jobs).count == 3)
    }

    @Test func missingRoutesFileIsAnError() {
        do {
            _ = try ConfigLoader(directory: "/nonexistent-dir", environment: [:], catalog: nil).load()
            Issue.record("expected a failure")
        } catch {
            #expect(error.errors.contains { $0.location.file == "routes.yaml" && $0.message.contains("cannot read") })
        }
    }

    @Test func redactedURIHidesThePassword() {
        let store = StoreConfig(uri: "mongodb://app:s3cret@db.example:27017/private_networks")
        #expect(store.redactedURI == "mongodb://app:***@db.example:27017/private_networks")
        #expect(!store.redactedURI.contains("s3cret"))
    }

    @Test func summaryShowsResolvedValuesButNotTheSecret() throws {
        let config = try ConfigFixtures.load(environment: ["RATE_LIMIT_MAX_REQUESTS": "5", "JWT_SECRET": "topsecret-topsecret-topsecret-32"])
        let summary = config.summary()
        #expect(summary.contains("max: 5"))
        #expect(!summary.contains("topsecret"))
    }
}

@Suite struct NearestNameSuggestionTests {
    @Test func transposedLettersAreOneEdit() {
        // "epers" is one swap from "peers"; as plain Levenshtein it would be two edits, too many for five letters.
        let swapped = ConfigFixtures.errors(routes: ConfigFixtures.routes.replacingFirst("handler: peers", with: "handler: epers"))
        #expect(swapped.first?.suggestion == "peers")
        let unrelated = ConfigFixtures.errors(routes: ConfigFixtures.routes.replacingFirst("handler: peers", with: "handler: xyzzy"))
        #expect(unrelated.count == 1)
        #expect(unrelated.first?.suggestion == nil)
    }

    @Test func tiesPreferTheSameLengthDeterministically() {
        var catalog = ConfigFixtures.catalog
        catalog.httpHandlers.formUnion(["peer", "peers"])
        for _ in 0..<20 {
            let routes = ConfigFixtures.routes.replacingFirst("handler: peers", with: "handler: peerz")
            let errors =
                (try? ConfigLoader(directory: ".", environment: [:], catalog: catalog)
                    .load(sources: ["routes.yaml": routes, "limits.yaml": ConfigFixtures.limits, "jobs.yaml": ConfigFixtures.jobs])) == nil
            #expect(errors)
            do {
                _ = try ConfigLoader(directory: ".", environment: [:], catalog: catalog)
                    .load(sources: ["routes.yaml": routes, "limits.yaml": ConfigFixtures.limits, "jobs.yaml": ConfigFixtures.jobs])
            } catch {
                #expect(error.errors.first?.suggestion == "peers")
            }
        }
    }
}
