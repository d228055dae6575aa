/// The engine could not be set up or started; the message says what to change.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A route names a handler nobody registered.
        public static let unknownHandler = Code("unknownHandler")
        /// A handler name was registered twice.
        public static let duplicateHandler = Code("duplicateHandler")
        /// A required setting (such as the JWT secret) is missing.
        public static let missingSetting = Code("missingSetting")
        /// A route path clashes with one the engine serves itself.
        public static let reservedPath = Code("reservedPath")
        /// A published document (the OpenAPI document) could not be generated.
        public static let documentGeneration = Code("documentGeneration")
        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
