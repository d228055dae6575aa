import ArgumentParser
import Foundation

/// The `--pid-file` of `registry serve`: the process id, written at start and removed on exit, so operators signal
/// the right process when several run (`kill -HUP "$(cat /run/registry.pid)"`).
struct PIDFile {
    let path: String

    /// Writes `pid` to `path` (nil: no file); prints why and exits 1 when the file cannot be written.
    static func create(at path: String?, pid: Int32) throws -> PIDFile? {
        guard let path else { return nil }
        do {
            try Data("\(pid)\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            ConfigLoading.printError("error: cannot write the pid file \(path): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        return PIDFile(path: path)
    }

    /// Removes the file.
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
