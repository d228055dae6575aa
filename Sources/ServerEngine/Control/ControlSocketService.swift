import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The instance's control socket: a Unix domain socket on which operator commands (`registry jobs run`) ask this
/// running instance to act (``ControlRoutes``).
///
/// A local socket rather than an endpoint on a TCP listener: it exists whatever the listeners' configuration, it is
/// reachable only from the same host (or container), and the file system guards it: the socket is created in a
/// directory of mode 0700 and is itself 0600, so only the server's user (and root) can connect. Requests also carry a
/// short-lived control token signed with the instance's JWT secret.
///
/// It refuses a directory another user could write to (not owned by this user or root, or group/world-writable
/// without the sticky bit). It never takes over a live socket: when another instance answers on the path this one logs an error and serves
/// no control socket (the rest of the server runs). A stale file left by a killed process is replaced. The file is
/// removed on shutdown. A failure to create the socket is logged and does not stop the server.
struct ControlSocketService: Service {
    let path: String
    let scheduler: JobScheduler
    let authenticator: JWTAuthenticator?
    let logger: Logger

    func run() async throws {
        guard prepare() else {
            try? await gracefulShutdown()
            return
        }
        let router = Router(context: EngineRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(routeTable: RouteTable(routes: [("POST", "/jobs/:name/run")]), maxBodySize: { 1024 }))
        ControlRoutes.add(to: router, scheduler: scheduler, authenticator: authenticator)
        let path = path
        let logger = logger
        var quiet = logger
        quiet.logLevel = .warning  // Hummingbird's own "Server started" line; ours follows
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: path), serverName: "registry-control"),
            onServerRunning: { _ in
                chmod(path, 0o600)
                logger.info("control socket listening", metadata: ["path": "\(path)"])
            },
            logger: quiet
        )
        do {
            try await application.run()
        } catch {
            logger.error(
                "control socket unavailable; registry jobs run cannot reach this instance",
                metadata: ["path": "\(path)", "error": "\(error)"]
            )
            try? await gracefulShutdown()
        }
        unlink(path)
    }

    /// Creates the socket's directory and checks the path is not served by a live instance; false (logged) when the
    /// control socket cannot be served.
    private func prepare() -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                logger.error("control socket unavailable: cannot create its directory", metadata: ["path": "\(path)", "error": "\(error)"])
                return false
            }
        }
        if let problem = Self.unsafeDirectory(directory.isEmpty ? "." : directory) {
            logger.error("control socket unavailable: its directory is not private", metadata: ["path": "\(path)", "error": "\(problem)"])
            return false
        }
        if UnixSocket.answers(path) {
            logger.error(
                "control socket unavailable: another instance serves this path; give each instance its own (--control-socket)",
                metadata: ["path": "\(path)"]
            )
            return false
        }
        return true
    }

    /// Why another user could replace the socket in `directory` (not owned by this user or root, or writable by
    /// others without the sticky bit), or nil.
    static func unsafeDirectory(_ directory: String) -> String? {
        var info = stat()
        guard stat(directory, &info) == 0 else { return "cannot stat \(directory): \(String(cString: strerror(errno)))" }
        if info.st_uid != geteuid(), info.st_uid != 0 { return "\(directory) belongs to uid \(info.st_uid)" }
        if info.st_mode & 0o022 != 0, info.st_mode & S_ISVTX == 0 { return "\(directory) is writable by other users" }
        return nil
    }
}
