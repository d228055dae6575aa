import Foundation
import Logging
import ServerEngine
import Synchronization

/// Captures a `JSONLogHandler`'s lines in memory, for a logger passed to one engine (no global bootstrap).
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger writing JSON lines into this capture, at `level`.
    func logger(service: String = "p2p-registry", level: Logger.Level = .trace) -> Logger {
        Logger(label: "capture") { _ in JSONLogHandler(service: service, logLevel: level) { [self] line in lines.withLock { $0.append(line) } } }
    }

    /// Every line so far.
    var text: [String] { lines.withLock { $0 } }

    /// Every line so far, parsed.
    var events: [[String: Any]] {
        text.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// The events named `event`.
    func events(_ event: String) -> [[String: Any]] { events.filter { $0["event"] as? String == event } }

    /// Polls until an event named `event` appears (at most ``TestSocket/patience``).
    @discardableResult
    func waitFor(_ event: String) async throws -> [String: Any]? {
        let deadline = ContinuousClock.now + TestSocket.patience
        while ContinuousClock.now < deadline {
            if let found = events(event).first { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
