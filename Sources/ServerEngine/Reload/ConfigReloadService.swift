import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads limits.yaml and jobs.yaml on SIGHUP (`kill -HUP <pid>`, `docker kill --signal HUP <container>`).
///
/// Create it before the service group runs: the signal is trapped from then on, so a SIGHUP that arrives
/// while the listeners start is a reload, not the default action (which ends the process).
///
/// ```swift
/// let reloads = await ConfigReloadService(engine: engine)
/// let group = try engine.makeServiceGroup(instanceId: id, additionalServices: [reloads])
/// ```
public struct ConfigReloadService: Service {
    private let engine: Engine
    private let signals: UnixSignalsSequence

    /// Traps SIGHUP now.
    public init(engine: Engine) async {
        self.engine = engine
        self.signals = await UnixSignalsSequence(trapping: .sighup)
    }

    /// Reloads on each SIGHUP until graceful shutdown.
    public func run() async throws {
        engine.services.logger.info("configuration reload armed: send SIGHUP to reload limits.yaml and jobs.yaml")
        for await _ in signals.cancelOnGracefulShutdown() {
            engine.reloadConfiguration()
        }
    }
}
