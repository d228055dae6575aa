import Foundation
import ServerConfig
import Synchronization

/// The configuration in force, replaced as a whole by a live reload.
///
/// Readers take a consistent snapshot (`current`) at the point of use, so a request or a job tick sees
/// either the old or the new configuration, never a mix; values read once at start-up would not follow
/// a reload.
///
/// ```swift
/// let limit = live.current.limits.rateLimits["announce"]
/// print(live.version.number, live.version.digest)
/// ```
public final class LiveConfiguration: Sendable {
    /// Which configuration is in force.
    public struct Version: Sendable, Equatable {
        /// 1 at start-up, one more for each reload that changed something.
        public var number: Int
        /// ``ServerConfiguration/digest`` of the files in force.
        public var digest: String
        /// When this version was put in force.
        public var loadedAt: Date
    }

    private let state: Mutex<(configuration: ServerConfiguration, version: Version)>

    /// Starts at version 1 with `configuration`.
    public init(_ configuration: ServerConfiguration, loadedAt: Date = Date()) {
        state = Mutex((configuration, Version(number: 1, digest: configuration.digest, loadedAt: loadedAt)))
    }

    /// The configuration in force.
    public var current: ServerConfiguration { state.withLock { $0.configuration } }

    /// The version in force.
    public var version: Version { state.withLock { $0.version } }

    /// Puts `configuration` in force as the next version and returns that version.
    @discardableResult
    public func replace(with configuration: ServerConfiguration, at date: Date = Date()) -> Version {
        state.withLock { state in
            state.configuration = configuration
            state.version = Version(number: state.version.number + 1, digest: configuration.digest, loadedAt: date)
            return state.version
        }
    }
}
