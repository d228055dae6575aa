/// The table of configuration keys: every key routes.yaml and limits.yaml hold outside their named lists, declared
/// once with its YAML path, ``ServerConfiguration`` field, parser, default, bounds and reload behaviour.
///
/// The loader reads each section through it (``ConfigKey`` parses and stores the value), the unknown-key check takes
/// each section's names from it, `registry check` prints it (``ServerConfiguration/summary()``), a reload diffs it
/// (``ConfigReload``), and the README's configuration reference is generated from it (``reference``).
///
/// ```swift
/// let key = ConfigKeys.key("limits.yaml", "websocket.maxFrameSize")!
/// print(key.defaultValue, key.reload.rawValue)  // 64KiB needs reconnect
/// ```
package enum ConfigKeys {
    /// Every key: routes.yaml's, then limits.yaml's, each in file order.
    package static let all: [ConfigKey] = routes + limits

    /// The names a file allows at its top level besides the table's sections: its lists and named sections.
    static let namedSections: [String: [String]] = [
        ConfigLoader.routesFile: ["routes", "websockets", "collections"],
        ConfigLoader.limitsFile: ["rateLimits", "ttls", "settings"],
        ConfigLoader.jobsFile: ["jobs"],
    ]

    /// The key at `path` in `file`.
    package static func key(_ file: String, _ path: String) -> ConfigKey? {
        all.first { $0.file == file && $0.path == path }
    }

    /// The keys of `file`, in table order.
    package static func keys(in file: String) -> [ConfigKey] { all.filter { $0.file == file } }

    /// The names written directly in `section` of `file` (its keys and subsections), in table order; the top level
    /// when `section` is empty.
    static func names(in file: String, under section: String) -> [String] {
        var names: [String] = []
        let prefix = section.isEmpty ? "" : section + "."
        for key in all where key.file == file && key.path.hasPrefix(prefix) {
            let name = String(key.path.dropFirst(prefix.count).prefix { $0 != "." })
            if !names.contains(name) { names.append(name) }
        }
        return section.isEmpty ? names + (namedSections[file] ?? []) : names
    }

    /// The subsections of `section` in `file` (`cors` under `http`), by full path.
    static func subsections(in file: String, under section: String) -> [String] {
        let prefix = section.isEmpty ? "" : section + "."
        var sections: [String] = []
        for key in all where key.file == file && key.section.hasPrefix(prefix) && key.section != section {
            let name = String(key.section.dropFirst(prefix.count).prefix { $0 != "." })
            let path = prefix + name
            if !sections.contains(path) { sections.append(path) }
        }
        return sections
    }

    /// The sections of `file` that hold keys, in table order (`""` for the top level).
    static func sections(in file: String) -> [String] {
        var sections: [String] = []
        for key in all where key.file == file && !sections.contains(key.section) { sections.append(key.section) }
        return sections
    }
}
