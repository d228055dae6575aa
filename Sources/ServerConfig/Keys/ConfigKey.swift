/// One configuration key: where it is written (file and YAML path), the ``ServerConfiguration`` field it fills, how
/// it is parsed and bounded, its default and what a live reload does with an edit of it. ``ConfigKeys/all`` lists
/// every key; the reader, the unknown-key check, `registry check`'s summary and the reload diff all come from it.
package struct ConfigKey: Sendable {
    /// The file the key is written in: `routes.yaml` or `limits.yaml`.
    package let file: String
    /// The YAML path, such as `websocket.maxFrameSize`.
    package let path: String
    /// The Swift field it fills, such as `limits.maxFrameSize` (a key path from ``ServerConfiguration``).
    package let field: String
    /// The kind of value (``ValueParser/type``).
    package let type: String
    /// The accepted range in words; empty when any value of the type is accepted.
    package let bounds: String
    /// What a live reload does with an edit.
    package let reload: ReloadBehaviour
    /// What the key does, one sentence.
    package let help: String
    let read: @Sendable (ConfigReader, ConfigNode, inout ServerConfiguration) -> Void
    let format: @Sendable (ServerConfiguration) -> String
    let differs: @Sendable (ServerConfiguration, ServerConfiguration) -> Bool
    let copy: @Sendable (ServerConfiguration, inout ServerConfiguration) -> Void

    /// A key stored at `field`.
    init<Value: Equatable & Sendable>(
        _ file: String,
        _ path: String,
        _ field: any WritableKeyPath<ServerConfiguration, Value> & Sendable,
        _ parser: ValueParser<Value>,
        reload: ReloadBehaviour,
        _ help: String
    ) {
        self.init(
            file,
            path,
            field: Self.name(of: field),
            parser: parser,
            get: { $0[keyPath: field] },
            set: { config, value in config[keyPath: field] = value },
            reload: reload,
            help
        )
    }

    /// A key whose field is reached through accessors (an optional listener, say).
    init<Value: Equatable & Sendable>(
        _ file: String,
        _ path: String,
        field: String,
        parser: ValueParser<Value>,
        get: @escaping @Sendable (ServerConfiguration) -> Value,
        set: @escaping @Sendable (inout ServerConfiguration, Value) -> Void,
        reload: ReloadBehaviour,
        _ help: String
    ) {
        self.file = file
        self.path = path
        self.field = field
        self.type = parser.type
        self.bounds = parser.bounds
        self.reload = reload
        self.help = help
        self.read = { reader, node, config in
            if let value = parser.parse(reader, node) { set(&config, value) }
        }
        self.format = { parser.format(get($0)) }
        self.differs = { get($0) != get($1) }
        self.copy = { source, target in set(&target, get(source)) }
    }

    /// The last component of the path: the name written in its section.
    package var name: String { path.split(separator: ".").last.map(String.init) ?? path }

    /// The section the key is written in (`websocket`, `http.cors`); empty at the top level.
    package var section: String {
        guard let dot = path.lastIndex(of: ".") else { return "" }
        return String(path[..<dot])
    }

    /// The value used when the file does not write the key, as `registry check` prints it.
    package var defaultValue: String { format(ServerConfiguration()) }

    /// The value in `configuration`, as `registry check` prints it (secrets redacted).
    package func value(in configuration: ServerConfiguration) -> String { format(configuration) }

    private static func name(of keyPath: AnyKeyPath) -> String {
        let text = "\(keyPath)"
        let prefix = "\\ServerConfiguration."
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
