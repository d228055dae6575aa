/// The configuration reference the README carries, generated from the table.
extension ConfigKeys {
    /// A Markdown table of `file`'s keys: path, type, default, bounds, reload behaviour and what the key does.
    ///
    /// ```swift
    /// print(ConfigKeys.reference(for: "limits.yaml"))
    /// ```
    public static func reference(for file: String) -> String {
        var lines = ["| Key | Type | Default | Bounds | On reload | What it does |", "|---|---|---|---|---|---|"]
        for key in keys(in: file) {
            let cells = ["`\(key.path)`", key.type, "`\(key.defaultValue)`", key.bounds, key.reload.rawValue, key.help]
            lines.append(
                "| " + cells.map { $0.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }.joined(separator: " | ")
                    + " |"
            )
        }
        return lines.joined(separator: "\n")
    }
}
