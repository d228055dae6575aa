import ServerConfig
import Testing

/// limits.yaml's `presence:` section: the diff interval, its bounds, and its reload.
@Suite struct PresenceConfigTests {
    @Test func theDiffIntervalIsOneSecondWhenNotWritten() throws {
        #expect(try ConfigFixtures.load().limits.presence == PresenceConfig())
        #expect(PresenceConfig().diffInterval == .seconds(1))
    }

    @Test func theDiffIntervalIsReadAndPrinted() throws {
        let config = try ConfigFixtures.load(limits: ConfigFixtures.limits + "\npresence:\n  diffInterval: 250ms\n")
        #expect(config.limits.presence.diffInterval == .milliseconds(250))
        #expect(config.summary().contains("presence: { diffInterval: 250ms }"))
    }

    @Test(arguments: [
        ("5ms", "too short; the minimum is 10ms"), ("2m", "too long; the maximum is 1m"), ("soon", "soon"),
    ])
    func anIntervalOutOfBoundsIsReported(value: String, message: String) {
        let errors = ConfigFixtures.errors(limits: ConfigFixtures.limits + "\npresence:\n  diffInterval: \(value)\n")
        let text = errors.map(\.description).joined(separator: "\n")
        #expect(errors.count == 1, "\(text)")
        #expect(text.contains("diffInterval"), "\(text)")
        #expect(text.contains(message), "\(text)")
    }

    @Test func aMisspelledKeyIsReported() {
        let errors = ConfigFixtures.errors(limits: ConfigFixtures.limits + "\npresence:\n  diffIntervall: 1s\n")
        let text = errors.map(\.description).joined(separator: "\n")
        #expect(errors.count == 1, "\(text)")
        #expect(text.contains("diffInterval"), "\(text)")
    }

    @Test func aReloadAppliesANewInterval() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(limits: ConfigFixtures.limits + "\npresence:\n  diffInterval: 2s\n")
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.applied == ["presence.diffInterval: 1s → 2s"])
        #expect(reload.needsRestart.isEmpty)
        #expect(reload.configuration.limits.presence.diffInterval == .seconds(2))
    }
}
