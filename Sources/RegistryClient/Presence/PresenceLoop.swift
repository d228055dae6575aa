import Logging
import Synchronization

/// Announces a device every `interval` (randomly shortened by up to `jitter` of it, so devices started together do
/// not announce together), until stopped. A `429` waits the answer's `Retry-After`; other failures retry with the
/// client's backoff, never waiting longer than `interval`. An expired token is refreshed through the token provider
/// by the HTTP layer.
///
/// ```swift
/// let presence = client.presence(announcing: announcement, in: "net1")
/// presence.start()
/// …
/// await presence.stop()
/// ```
public final class PresenceLoop: Sendable {
    /// What happened to one announce.
    public enum Event: Sendable, Hashable {
        /// The server accepted it; the next one follows after `next`.
        case announced(next: Duration)
        /// `429`: the next attempt waits `retryAfter` (the header's, else the backoff's delay).
        case rateLimited(retryAfter: Duration)
        /// Any other failure; the next attempt follows after `retryIn`.
        case failed(RegistryError, retryIn: Duration)
    }

    private let client: RegistryClient
    private let announcement: Announcement
    private let network: String
    private let interval: Duration
    private let jitter: Double
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let continuation: AsyncStream<Event>.Continuation
    /// Every announce's outcome, in order (one consumer). Ends when the loop ends.
    public let events: AsyncStream<Event>

    init(client: RegistryClient, announcement: Announcement, network: String, interval: Duration, jitter: Double) {
        self.client = client
        self.announcement = announcement
        self.network = network
        self.interval = interval
        self.jitter = min(max(jitter, 0), 1)
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(100))
    }

    /// Starts announcing now, in a task of its own. A second call does nothing.
    public func start() {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { await self.run() }
        }
    }

    /// Stops announcing and waits until the loop has ended. The device stays online until the server's online window
    /// passes (or call `RegistryClient.leave`).
    public func stop() async {
        guard let running = task.withLock({ $0 }) else {
            continuation.finish()
            return
        }
        running.cancel()
        await running.value
    }

    private func run() async {
        defer { continuation.finish() }
        let logger = client.logger
        var failures = 0
        while !Task.isCancelled {
            let wait: Duration
            do {
                try await client.announce(announcement, in: network)
                failures = 0
                wait = .seconds(interval.seconds * (1 - jitter * Double.random(in: 0...1)))
                continuation.yield(.announced(next: wait))
                logger.debug("announced", metadata: ["network": "\(network)", "peerId": "\(announcement.peerId)"])
            } catch RegistryError.rateLimited(_, let retryAfter) {
                failures += 1
                wait = retryAfter ?? client.configuration.reconnectBackoff.delay(attempt: failures - 1)
                continuation.yield(.rateLimited(retryAfter: wait))
                logger.notice("announce rate limited", metadata: ["retryAfter": "\(wait)"])
            } catch {
                if Task.isCancelled { break }
                failures += 1
                let registryError = error as? RegistryError ?? .transport(String(describing: error))
                wait = min(client.configuration.reconnectBackoff.delay(attempt: failures - 1), interval)
                continuation.yield(.failed(registryError, retryIn: wait))
                logger.warning("announce failed", metadata: ["error": "\(registryError)", "retryIn": "\(wait)"])
            }
            do {
                try await client.configuration.sleeper.sleep(wait)
            } catch {
                break
            }
        }
    }
}
