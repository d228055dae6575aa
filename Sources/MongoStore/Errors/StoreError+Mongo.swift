import CMongoc
import DocumentStore

extension StoreError {
    /// Maps a libmongoc failure to a ``StoreError`` a caller can switch on.
    ///
    /// - duplicate key (E11000) → ``Code/duplicateKey`` with the index name from the server's
    ///   message (the duplicated value is left out);
    /// - no server, network, handshake or authentication failures → ``Code/unavailable`` naming
    ///   the hosts of the connection string (never the password);
    /// - malformed filters, updates, projections, index specifications → ``Code/invalidQuery``;
    /// - TypeMismatch / PathNotViable, and an array operator (`$push`, `$addToSet`, `$pull`, `$pullAll`,
    ///   `$pop`) applied to a field that is not an array → ``Code/typeMismatch``;
    /// - ImmutableField → ``Code/immutableField``;
    /// - IndexOptionsConflict / IndexKeySpecsConflict → ``Code/indexConflict``;
    /// - anything else → ``Code/internalError`` with the server's code and message.
    ///
    /// `writing` marks an insert, whose argument and field-name errors are about the document.
    package static func mongo(_ failure: MongoFailure, collection: String?, uri: MongoURI, writing document: Bool = false) -> StoreError {
        let detail = uri.redact(failure.message)
        let named = failure.codeName.map { "\($0) (\(failure.code))" } ?? "code \(failure.code)"
        func error(_ code: Code, _ message: String, index: String? = nil) -> StoreError {
            StoreError(code: code, message: message, collection: collection, indexName: index)
        }

        if failure.isConnectionError {
            if failure.isServerError, failure.code == 13 || failure.code == 18 {
                return error(.unavailable, "MongoDB at \(uri.hostList) rejected the credentials or permissions: \(detail)")
            }
            return error(.unavailable, "MongoDB at \(uri.hostList) is unreachable or not ready: \(detail)")
        }
        if failure.isServerError {
            if ServerCode.duplicateKey.contains(failure.code) {
                let index = duplicateKeyIndex(failure)
                return error(
                    .duplicateKey,
                    "a document with the same key already exists in unique index '\(index ?? "?")'; the write changed nothing",
                    index: index
                )
            }
            if failure.code == ServerCode.immutableField {
                return error(.immutableField, "an update cannot change _id: \(detail)")
            }
            if ServerCode.typeMismatch.contains(failure.code) || isNonArrayTarget(failure) {
                return error(.typeMismatch, detail)
            }
            if failure.code == ServerCode.indexOptionsConflict || failure.code == ServerCode.indexKeySpecsConflict {
                return error(.indexConflict, "an index with this name or these keys already exists with other options: \(detail)")
            }
            if document, ServerCode.invalidFieldName.contains(failure.code) {
                return error(.invalidDocument, "\(detail) [\(named)]")
            }
            if ServerCode.invalidQuery.contains(failure.code) || looksLikeQueryError(detail) {
                if failure.code == 2, detail.contains("_id"), detail.lowercased().contains("array") {
                    return error(.invalidDocument, detail)
                }
                return error(.invalidQuery, "\(detail) [\(named)]")
            }
            if ServerCode.invalidDocument.contains(failure.code) {
                return error(.invalidDocument, "\(detail) [\(named)]")
            }
        }
        switch failure.domain {
        case MONGOC_ERROR_BSON.rawValue:
            return error(.invalidDocument, detail)
        case MONGOC_ERROR_COMMAND.rawValue, MONGOC_ERROR_CURSOR.rawValue, MONGOC_ERROR_COLLECTION.rawValue,
            MONGOC_ERROR_NAMESPACE.rawValue, MONGOC_ERROR_QUERY.rawValue:
            if failure.code == MONGOC_ERROR_COMMAND_INVALID_ARG.rawValue || failure.code == MONGOC_ERROR_NAMESPACE_INVALID.rawValue {
                return error(document ? .invalidDocument : .invalidQuery, detail)
            }
        default:
            break
        }
        return error(.internalError, "MongoDB failed: \(detail) [\(named), domain \(failure.domain)]")
    }

    /// The index named in an E11000 message (`… index: deviceId_1 dup key: { … }`), else one
    /// derived from the reply's `keyPattern`.
    static func duplicateKeyIndex(_ failure: MongoFailure) -> String? {
        if let range = failure.message.firstRange(of: "index: ") {
            let name = failure.message[range.upperBound...].prefix { $0 != " " }
            if !name.isEmpty { return String(name) }
        }
        let pattern =
            failure.reply?["keyPattern"]?.documentValue
            ?? failure.reply?["writeErrors"]?.arrayValue?.first?.documentValue?["keyPattern"]?.documentValue
        guard let pattern, !pattern.isEmpty else { return nil }
        return pattern.map { "\($0.key)_\($0.value.intValue ?? 1)" }.joined(separator: "_")
    }

    /// Whether the server refused an array update operator because the field holds something else.
    ///
    /// MongoDB reports this as BadValue (2) for `$push`, `$addToSet`, `$pull` and `$pullAll`, and as
    /// TypeMismatch (14) for `$pop`; only the message tells it from a malformed update (also BadValue).
    /// mongoeco uses its own message, with BadValue (2), or FailedToParse (9) for `$pop`. Operand
    /// errors stay invalid queries: "$pullAll requires an array argument", "The argument to $each in
    /// $push must be an array but it was of type …".
    private static func isNonArrayTarget(_ failure: MongoFailure) -> Bool {
        guard failure.code == 2 || failure.code == 9 else { return false }
        let markers = [
            "must be an array but is of type",  // $push: "The field 's' must be an array but is of type string in document {_id: 1}"
            "non-array field",  // $addToSet: "Cannot apply $addToSet to non-array field. Field named 's' has non-array type string"
            "to a non-array value",  // $pull, $pullAll: "Cannot apply $pull to a non-array value"
            "requires the target field to be an array",  // mongoeco: "$push requires the target field to be an array"
        ]
        return markers.contains { failure.message.contains($0) }
    }

    /// Older servers report some parse errors with bare assertion codes; their messages say so.
    private static func looksLikeQueryError(_ message: String) -> Bool {
        let lowered = message.lowercased()
        return lowered.contains("unknown operator") || lowered.contains("unknown top level operator")
            || lowered.contains("unknown modifier")
    }
}
