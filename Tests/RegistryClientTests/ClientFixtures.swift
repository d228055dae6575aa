import Foundation
import Logging
import RegistryClient
import Synchronization

/// Clients of a test server.
extension ClientTestServer {
    /// Backoff for the tests: quick reconnections, no jitter.
    static let quickBackoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(400), jitter: 0)

    /// A client of this server (ports read now: after `restart()` they are the same).
    func client(tokens: TokenProvider, sleeper: Sleeper = .continuous) -> RegistryClient {
        var logger = Logger(label: "registry-client-test")
        logger.logLevel = .warning
        let configuration = RegistryClient.Configuration(
            apiURL: apiURL,
            signalingURL: signalingURL,
            reconnectBackoff: Self.quickBackoff,
            sleeper: sleeper
        )
        return RegistryClient(configuration: configuration, tokens: tokens, logger: logger)
    }

    /// A client for `user` with a valid token.
    func client(user: String) async throws -> RegistryClient {
        client(tokens: .constant(try await token(user)))
    }

    /// Clients of the users `first` and `second`, shut down once `body` returns or throws.
    func withClients(_ first: String, _ second: String, _ body: (RegistryClient, RegistryClient) async throws -> Void) async throws {
        let one = try await client(user: first)
        let two = try await client(user: second)
        defer {
            one.shutdown()
            two.shutdown()
        }
        try await body(one, two)
    }

    /// The announcement of `deviceId`, with this server's socket as its address.
    func announcement(_ deviceId: String, capabilities: [Capability]? = [.relay]) -> Announcement {
        Announcement(peerId: deviceId, signalAddress: "\(signalingURL.absoluteString)/signaling/\(deviceId)", capabilities: capabilities)
    }
}

/// A token provider that records why it was asked, and answers from a list (the last answer repeats).
final class RecordingTokens: Sendable {
    private let answers: [String]
    private let asked = Mutex<[TokenRequestReason]>([])

    init(_ answers: [String]) {
        self.answers = answers
    }

    var reasons: [TokenRequestReason] { asked.withLock { $0 } }

    var provider: TokenProvider {
        TokenProvider { reason in
            let index = self.asked.withLock { asked in
                asked.append(reason)
                return asked.count - 1
            }
            return self.answers[min(index, self.answers.count - 1)]
        }
    }
}

/// A sleeper that records every wait and returns at once; it throws (ending the loop that waits) from the
/// `stopAfter`-th wait on.
final class RecordingSleeper: Sendable {
    private let waits = Mutex<[Duration]>([])
    private let stopAfter: Int

    init(stopAfter: Int) {
        self.stopAfter = stopAfter
    }

    var durations: [Duration] { waits.withLock { $0 } }

    var sleeper: Sleeper {
        Sleeper { duration in
            let count = self.waits.withLock { waits in
                waits.append(duration)
                return waits.count
            }
            if count >= self.stopAfter { throw CancellationError() }
            await Task.yield()
        }
    }
}

/// A unique suffix for device, user and network names.
func uniqueTag() -> String {
    String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)).lowercased()
}

/// The seconds left in the day-long, epoch-aligned rate-limit window (`RATE_LIMIT_WINDOW_MS=86400000`) that holds now:
/// the server's `Retry-After` for a request refused in it.
func secondsLeftInTheDayWindow() -> Duration {
    let now = Date().timeIntervalSince1970
    return .seconds(86400 - now.truncatingRemainder(dividingBy: 86400))
}

/// True when `duration` is within 5 s of `expected`.
func isClose(_ duration: Duration, to expected: Duration) -> Bool {
    abs((duration - expected).components.seconds) <= 5
}
