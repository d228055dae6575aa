import CMongoc
import DocumentStore
import MongoStore
import Testing

/// How libmongoc and server errors become `StoreError`s, without a server.
@Suite struct ErrorMappingTests {
    private let uri = MongoURI(describing: "mongodb://app:Sup3r%2Fsecret@db.example:27017/?authSource=admin")

    private func failure(domain: mongoc_error_domain_t, code: UInt32, _ message: String, reply: Document? = nil) -> MongoFailure {
        var error = bson_error_t()
        error.domain = domain.rawValue
        error.code = code
        withUnsafeMutableBytes(of: &error.message) { buffer in
            let bytes = Array(message.utf8.prefix(buffer.count - 1))
            buffer.copyBytes(from: bytes + [0])
        }
        return MongoFailure(error, reply: reply)
    }

    private func mapped(_ domain: mongoc_error_domain_t, _ code: UInt32, _ message: String, reply: Document? = nil) -> StoreError {
        StoreError.mongo(failure(domain: domain, code: code, message, reply: reply), collection: "devices", uri: uri)
    }

    @Test func duplicateKeyNamesTheIndexButNotTheValue() {
        let error = mapped(
            MONGOC_ERROR_SERVER,
            11000,
            #"E11000 duplicate key error collection: db.devices index: deviceId_1 dup key: { deviceId: "peer_secret_value" }"#
        )
        #expect(error.code == .duplicateKey)
        #expect(error.indexName == "deviceId_1")
        #expect(error.collection == "devices")
        #expect(!error.description.contains("peer_secret_value"))
        let fromPattern = mapped(MONGOC_ERROR_SERVER, 11000, "E11000 duplicate key error", reply: ["keyPattern": ["userId": 1, "networkId": -1]])
        #expect(fromPattern.indexName == "userId_1_networkId_-1")
    }

    @Test func serverCodesMapToStoreErrorCodes() {
        #expect(
            mapped(MONGOC_ERROR_SERVER, 66, "Performing an update on the path '_id' would modify the immutable field '_id'").code == .immutableField
        )
        #expect(mapped(MONGOC_ERROR_SERVER, 14, "Cannot apply $inc to a value of non-numeric type").code == .typeMismatch)
        #expect(mapped(MONGOC_ERROR_SERVER, 28, "Cannot create field 'x' in element").code == .typeMismatch)
        #expect(mapped(MONGOC_ERROR_SERVER, 2, "unknown operator: $bogus").code == .invalidQuery)
        #expect(mapped(MONGOC_ERROR_SERVER, 9, "Modifiers operate on fields but we found type string instead").code == .invalidQuery)
        #expect(mapped(MONGOC_ERROR_SERVER, 40, "Updating the path 'a' would create a conflict at 'a'").code == .invalidQuery)
        #expect(mapped(MONGOC_ERROR_SERVER, 52, "The dollar ($) prefixed field '$x' is not valid").code == .invalidQuery)
        #expect(mapped(MONGOC_ERROR_SERVER, 31254, "Cannot do exclusion on field b in inclusion projection").code == .invalidQuery)
        #expect(mapped(MONGOC_ERROR_SERVER, 85, "Index already exists with a different name: channelId_1").code == .indexConflict)
        #expect(mapped(MONGOC_ERROR_SERVER, 86, "An existing index has the same name as the requested index").code == .indexConflict)
        #expect(mapped(MONGOC_ERROR_SERVER, 53, "can't use an array for _id").code == .invalidDocument)
        #expect(mapped(MONGOC_ERROR_SERVER, 2, "The '_id' value cannot be of type array").code == .invalidDocument)
        #expect(mapped(MONGOC_ERROR_SERVER, 12345, "something else").code == .internalError)
    }

    @Test func arrayOperatorsOnNonArraysAreTypeMismatches() {
        // MongoDB's messages (BadValue, 2; $pop: TypeMismatch, 14), also behind a findAndModify prefix.
        let mongodb: [(UInt32, String)] = [
            (2, "The field 's' must be an array but is of type string in document {_id: 1}"),
            (2, "Plan executor error during findAndModify :: caused by :: The field 's' must be an array but is of type int in document {_id: 1}"),
            (2, "Cannot apply $addToSet to non-array field. Field named 's' has non-array type string"),
            (2, "Cannot apply $pull to a non-array value"),
            (14, "Path 's' contains an element of non-array type 'string'"),
        ]
        // mongoeco's (BadValue, 2; $pop: FailedToParse, 9).
        let mongoeco: [(UInt32, String)] = [
            (2, "$push requires the target field to be an array"),
            (2, "$addToSet requires the target field to be an array"),
            (2, "$pullAll requires the target field to be an array"),
            (9, "$pop requires the target field to be an array"),
        ]
        for (code, message) in mongodb + mongoeco {
            #expect(mapped(MONGOC_ERROR_SERVER, code, message).code == .typeMismatch, "\(code): \(message)")
        }
        // A malformed operand stays an invalid query.
        #expect(mapped(MONGOC_ERROR_SERVER, 2, "$pullAll requires an array argument but was given a int").code == .invalidQuery)
        #expect(mapped(MONGOC_ERROR_SERVER, 2, "The argument to $each in $push must be an array but it was of type: int").code == .invalidQuery)
        #expect(mapped(MONGOC_ERROR_SERVER, 2, "$in needs an array").code == .invalidQuery)
    }

    @Test func malformedFilterOperandsAreInvalidQueries() {
        // MongoDB answers these with BadValue (2).
        for message in [
            "$in needs an array", "$and/$or/$nor must be a nonempty array", "$or/$and/$nor entries need to be full objects",
            "$size may not be negative", "$elemMatch needs an Object",
        ] {
            #expect(mapped(MONGOC_ERROR_SERVER, 2, message).code == .invalidQuery, "\(message)")
        }
    }

    @Test func fieldNameErrorsOnInsertAreInvalidDocuments() {
        let failure = failure(domain: MONGOC_ERROR_SERVER, code: 52, "The dollar ($) prefixed field '$x' is not allowed")
        #expect(StoreError.mongo(failure, collection: "c", uri: uri, writing: true).code == .invalidDocument)
        #expect(StoreError.mongo(failure, collection: "c", uri: uri).code == .invalidQuery)
    }

    @Test func connectionFailuresAreUnavailableWithHostsAndNoPassword() {
        let selection = mapped(
            MONGOC_ERROR_SERVER_SELECTION,
            MONGOC_ERROR_SERVER_SELECTION_FAILURE.rawValue,
            "No suitable servers found: [connection refused calling hello on 'db.example:27017']"
        )
        #expect(selection.code == .unavailable)
        #expect(selection.message.contains("db.example:27017"))
        let stream = mapped(MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET.rawValue, "Failed to read 4 bytes: socket error or timeout")
        #expect(stream.code == .unavailable)
        let auth = mapped(MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_AUTHENTICATE.rawValue, "Authentication failed for app:Sup3r/secret")
        #expect(auth.code == .unavailable)
        #expect(!auth.description.contains("Sup3r"), "\(auth)")
        let stepDown = mapped(MONGOC_ERROR_SERVER, 10107, "not primary")
        #expect(stepDown.code == .unavailable)
    }

    @Test func clientSideArgumentErrorsAreInvalidQueries() {
        let update = mapped(MONGOC_ERROR_COMMAND, MONGOC_ERROR_COMMAND_INVALID_ARG.rawValue, "Invalid key 'a': update only works with $ operators")
        #expect(update.code == .invalidQuery)
        let bson = mapped(MONGOC_ERROR_BSON, MONGOC_ERROR_BSON_INVALID.rawValue, "invalid document")
        #expect(bson.code == .invalidDocument)
    }

    @Test func passwordIsRedactedAsWrittenAndDecoded() {
        #expect(uri.redacted == "mongodb://app:****@db.example:27017/?authSource=admin")
        #expect(uri.redact("auth as app:Sup3r%2Fsecret or Sup3r/secret failed") == "auth as app:**** or **** failed")
        let noPassword = MongoURI(describing: "mongodb://db.example:27017")
        #expect(noPassword.redacted == "mongodb://db.example:27017")
        #expect(noPassword.redact("text") == "text")
    }
}
