import DocumentStore
import Foundation
import Testing

/// Shared helpers of the conformance suite.
enum TestData {
    /// A fixed instant (2024-01-20T12:00:00Z) for date tests.
    static let baseDate = Date(timeIntervalSince1970: 1_705_752_000)

    /// Inserts documents in order.
    static func insert(_ documents: [Document], into collection: any DocumentCollection) async throws {
        for document in documents {
            _ = try await collection.insertOne(document)
        }
    }

    /// The `_id`s of documents, as integers, in order (tests use integer ids).
    static func ids(_ documents: [Document]) -> [Int64] {
        documents.compactMap { $0["_id"]?.intValue }
    }

    /// The sorted integer `_id`s of the documents matching `filter`.
    static func matchingIds(_ filter: Filter, in collection: any DocumentCollection) async throws -> [Int64] {
        ids(try await collection.find(filter)).sorted()
    }

    /// The top-level fields of a document as a dictionary, for order-insensitive comparisons.
    static func fields(_ document: Document) -> [String: Value] {
        Dictionary(document.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The one document with `_id` = `id`.
    static func document(_ id: Value, in collection: any DocumentCollection) async throws -> Document {
        try #require(try await collection.findOne(["_id": id]))
    }
}

/// Runs `body`, expecting a ``StoreError`` with `code`; returns it.
@discardableResult
func expectStoreError<T>(
    _ code: StoreError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> StoreError? {
    do {
        _ = try await body()
        Issue.record("expected StoreError \(code), but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
