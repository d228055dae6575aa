import Foundation

/// Which document store the server uses.
public struct StoreConfig: Sendable, Equatable {
    /// The MongoDB connection string (`MONGODB_URI`); empty selects the embedded engine.
    public var uri: String
    /// The MongoDB database (`MONGODB_DB_NAME`). Default `private_networks`.
    public var database: String
    /// Connections in the MongoDB client pool. Default 16.
    public var poolSize: Int
    /// How often the embedded engine deletes documents whose TTL index says they expired. Default 60s, as MongoDB.
    public var ttlMonitorInterval: Duration

    /// Creates a store configuration.
    public init(uri: String = "", database: String = "private_networks", poolSize: Int = 16, ttlMonitorInterval: Duration = .seconds(60)) {
        self.uri = uri
        self.database = database
        self.poolSize = poolSize
        self.ttlMonitorInterval = ttlMonitorInterval
    }

    /// True when MongoDB is configured.
    public var usesMongoDB: Bool { !uri.isEmpty }

    /// The URI with any password replaced by `***`, safe for logs and `registry check`.
    public var redactedURI: String {
        guard let scheme = uri.range(of: "://"), let at = uri[scheme.upperBound...].firstIndex(of: "@") else { return uri }
        let credentials = uri[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at...])
    }
}
