import DocumentStore
import Foundation
import Logging
import MongoStore
import MongoTestSupport
import Testing

/// The stores the registry's tests run on: the embedded engine, and MongoDB (the server in `MONGODB_URI`,
/// else mongoeco started for this test process), each test on a database of its own.
enum RegistryBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case memory
    case mongodb

    static var all: [RegistryBackend] { allCases }

    var testDescription: String { rawValue }

    /// A fresh, empty store on `clock`.
    func makeStore(clock: any WallClock) async throws -> any DocumentDatabase {
        switch self {
        case .memory:
            return MemoryStore(clock: clock)
        case .mongodb:
            let endpoint = try await MongoTestServer.shared.endpoint()
            let database = "registry_test_" + UUID().uuidString.prefix(12).lowercased()
            return try await MongoStore.connect(uri: endpoint.uri, database: database, poolSize: 4, logger: MongoTestServer.logger)
        }
    }
}
