/// What was built: the version, the build and the compiler, shown by `registry --version`, `GET /readyz` and the
/// `build_info` metric.
///
/// `build` is a constant of the source tree: SwiftPM runs no script at build time, so a commit id cannot be
/// stamped in without a plugin; a release bumps `version` here and sets `build` to its tag.
public enum BuildInfo {
    /// The release version (semantic versioning).
    public static let version = "0.1.0"
    /// The build: `source` for a build of an untagged source tree.
    public static let build = "source"
    /// The Swift compiler version the binary was built with (major.minor).
    public static var swift: String {
        #if compiler(>=6.4)
        "6.4+"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6.1-"
        #endif
    }

    /// `0.1.0 (build source, Swift 6.3)`.
    public static var description: String { "\(version) (build \(build), Swift \(swift))" }
}
