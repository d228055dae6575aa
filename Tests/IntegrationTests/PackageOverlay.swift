import Foundation

/// A throwaway edit of the package, built incrementally over its existing `.build` without touching either.
///
/// Edited files are written to an overlay's upper directory. The build runs in a private mount namespace where the
/// package directory is an overlay of itself and that upper directory: the compiler sees the same absolute paths as
/// the package's own build, so only what the edits change is compiled again (a copy elsewhere would rebuild every
/// dependency), and everything the build writes lands in the upper directory. Needs root (`unshare`, `mount`), as CI
/// and the test machines have.
struct PackageOverlay {
    let root: URL
    let scratch: URL
    var upper: URL { scratch.appendingPathComponent("upper") }
    private var work: URL { scratch.appendingPathComponent("work") }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// An empty overlay of the package at `root`.
    init(root: URL) throws {
        self.root = root
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("registry-overlay-\(UUID().uuidString)")
        for directory in [scratch.appendingPathComponent("upper"), scratch.appendingPathComponent("work")] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    /// True when this process may build in an overlay (root, with `unshare` and overlayfs).
    static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
            && ((try? String(contentsOfFile: "/proc/filesystems", encoding: .utf8))?.contains("overlay") ?? false)
    }

    /// Writes `text` as the package's file at `path` (relative to the root), over the original.
    func write(_ text: String, to path: String) throws {
        let file = upper.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: false, encoding: .utf8)
    }

    /// The package's file at `path` as the overlay shows it: edited, built, or the original.
    func file(_ path: String) -> URL {
        let edited = upper.appendingPathComponent(path)
        return FileManager.default.fileExists(atPath: edited.path) ? edited : root.appendingPathComponent(path)
    }

    /// Runs `command` (a shell command) in the package directory as the overlay shows it; returns its exit status
    /// and output.
    func run(_ command: String, timeout: Double) async throws -> (status: Int32, output: String) {
        let script = """
            set -e
            mount -t overlay overlay -o lowerdir=\(root.path),upperdir=\(upper.path),workdir=\(work.path) \(root.path)
            cd \(root.path)
            \(command)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--mount", "--propagation", "private", "/bin/sh", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let collected = OutputCollector()
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw Failure(description: "'\(command)' did not finish within \(Int(timeout)) s: \(collected.text.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        output.fileHandleForReading.readabilityHandler = nil
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        return (process.terminationStatus, collected.text)
    }

    /// Deletes the upper directory and everything built into it.
    func remove() {
        try? FileManager.default.removeItem(at: scratch)
    }
}

/// A process's output, appended from the pipe's reading thread.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) { lock.withLock { data.append(chunk) } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}
