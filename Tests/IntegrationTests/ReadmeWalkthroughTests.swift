import Foundation
import Testing

/// The README's "Adding an endpoint" walkthrough works as written: its Swift line in the file and function it
/// names, its YAML entry at the end of the `routes:` list, a rebuild, and the endpoint answers what the README says.
@Suite(.serialized) struct ReadmeWalkthroughTests {
    @Test(.enabled(if: PackageOverlay.isAvailable, "needs root, unshare and overlayfs to build an edited package in place"))
    func addingAnEndpointAsTheReadmeSaysServesIt() async throws {
        let root = RegistryProcess.packageRoot
        let walkthrough = try ReadmeWalkthrough.load(readme: root.appendingPathComponent("README.md"))
        let overlay = try PackageOverlay(root: root)
        defer { overlay.remove() }
        let handlers = try String(contentsOf: root.appendingPathComponent(walkthrough.swiftFile), encoding: .utf8)
        try overlay.write(try walkthrough.editedSwift(handlers), to: walkthrough.swiftFile)
        let routes = try String(contentsOf: root.appendingPathComponent("routes.yaml"), encoding: .utf8)
        try overlay.write(try walkthrough.editedRoutes(routes), to: "routes.yaml")

        let started = ContinuousClock.now
        // `--ignore-lock`: the `swift test` running this test holds the package's build lock; the overlay's build writes
        // only into the overlay, so the two never write the same file.
        let build = try await overlay.run("swift build --product registry --ignore-lock 2>&1", timeout: 1200)
        try #require(build.status == 0, "the walkthrough's edit does not build: \(build.output.suffix(4000))")
        print("README walkthrough: incremental build took \(ContinuousClock.now - started)")
        let binary = try Self.builtBinary(in: overlay)

        // The edited routes.yaml beside the shipped limits and jobs, as an operator's config directory.
        let config = overlay.scratch.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        for file in ["routes.yaml", "limits.yaml", "jobs.yaml"] {
            try FileManager.default.copyItem(at: overlay.file(file), to: config.appendingPathComponent(file))
        }
        let environment = ["JWT_SECRET": "walkthrough-secret-0123456789abcdef", "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1"]
        let check = try await RegistryProcess.run(["check", "--config-dir", config.path], environment: environment, binary: binary)
        #expect(check.status == 0, "\(check.stderr)")
        let listed = try await RegistryProcess.run(["routes", "--config-dir", config.path], environment: environment, binary: binary)
        #expect(listed.stdout.contains("/hello/:name"), "\(listed.stdout)")

        let server = try RegistryProcess(["serve", "--config-dir", config.path], environment: environment, binary: binary)
        let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        let reply = try await HTTP.request("GET", "http://127.0.0.1:\(port)\(walkthrough.requestPath)")
        #expect(reply.status == 200)
        #expect(reply.body == walkthrough.expectedBody)
        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)
    }

    /// The `registry` the overlay's build wrote (`.build/debug` is a link into the triple's folder).
    static func builtBinary(in overlay: PackageOverlay) throws -> URL {
        let debug = overlay.root.appendingPathComponent(".build/debug")
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: debug.path)) ?? "debug"
        let folder =
            target.hasPrefix("/") ? URL(fileURLWithPath: target) : overlay.root.appendingPathComponent(".build").appendingPathComponent(target)
        let relative = String(folder.appendingPathComponent("registry").path.dropFirst(overlay.root.path.count + 1))
        let built = overlay.upper.appendingPathComponent(relative)
        guard FileManager.default.isExecutableFile(atPath: built.path) else {
            throw PackageOverlay.Failure(description: "the overlay's build wrote no \(relative)")
        }
        return built
    }
}
