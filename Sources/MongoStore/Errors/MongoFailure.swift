import CMongoc
import DocumentStore

/// A libmongoc error (`bson_error_t`), with the server's reply when there was one.
///
/// With error API version 2 (which the store selects), an error the server reported has domain
/// `MONGOC_ERROR_SERVER` (or `MONGOC_ERROR_WRITE_CONCERN`) and the server's error code; errors
/// raised inside libmongoc use its own domains (stream, server selection, command, BSON, …).
package struct MongoFailure: Error, Sendable {
    /// The `mongoc_error_domain_t` value.
    var domain: UInt32
    /// The server's error code, or a `mongoc_error_code_t` for client-side errors.
    var code: UInt32
    /// libmongoc's or the server's message.
    package var message: String
    /// The server's reply, when the call produced one.
    var reply: Document?

    /// A failure from a filled-in `bson_error_t`.
    package init(_ error: bson_error_t, reply: Document? = nil) {
        self.domain = error.domain
        self.code = error.code
        self.message = withUnsafeBytes(of: error.message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        self.reply = reply
    }

    /// Whether the server (rather than libmongoc) reported the error.
    var isServerError: Bool {
        domain == MONGOC_ERROR_SERVER.rawValue || domain == MONGOC_ERROR_WRITE_CONCERN.rawValue
            || domain == MONGOC_ERROR_QUERY.rawValue || (domain == MONGOC_ERROR_COLLECTION.rawValue && code >= 1000)
    }

    /// Whether the server could not be reached or talked to (selection, network, handshake, auth).
    var isConnectionError: Bool {
        switch domain {
        case MONGOC_ERROR_STREAM.rawValue, MONGOC_ERROR_SERVER_SELECTION.rawValue, MONGOC_ERROR_PROTOCOL.rawValue,
            MONGOC_ERROR_SASL.rawValue, MONGOC_ERROR_SCRAM.rawValue, MONGOC_ERROR_CLIENT.rawValue:
            return true
        default:
            return isServerError && ServerCode.connection.contains(code)
        }
    }

    /// The server's `codeName`, when the reply has one.
    var codeName: String? {
        reply?["codeName"]?.stringValue ?? reply?["writeErrors"]?.arrayValue?.first?.documentValue?["codeName"]?.stringValue
    }
}

/// MongoDB server error codes the store tells apart (from the server's `error_codes.yml`).
enum ServerCode {
    static let duplicateKey: Set<UInt32> = [11000, 11001, 12582]
    static let immutableField: UInt32 = 66
    static let typeMismatch: Set<UInt32> = [
        14,  // TypeMismatch
        28,  // PathNotViable
    ]
    static let indexOptionsConflict: UInt32 = 85
    static let indexKeySpecsConflict: UInt32 = 86
    static let namespaceNotFound: UInt32 = 26
    static let invalidQuery: Set<UInt32> = [
        2,  // BadValue
        4,  // NoSuchKey
        9,  // FailedToParse
        15,  // Overflow
        16,  // InvalidLength
        40,  // ConflictingUpdateOperators
        52,  // DollarPrefixedFieldName
        55,  // InvalidDBRef
        56,  // EmptyFieldName
        57,  // DottedFieldName
        67,  // CannotCreateIndex
        72,  // InvalidOptions
        73,  // InvalidNamespace
        168,  // InvalidPipelineOperator
        197,  // InvalidIndexSpecificationOption
        31249, 31250, 31253, 31254,  // projection path collisions, inclusion/exclusion mixes
    ]
    /// Field-name errors: an invalid document on insert, an invalid query elsewhere.
    static let invalidFieldName: Set<UInt32> = [
        52,  // DollarPrefixedFieldName
        56,  // EmptyFieldName
        57,  // DottedFieldName
    ]
    static let invalidDocument: Set<UInt32> = [
        22,  // InvalidBSON
        53,  // InvalidIdField
        171,  // CannotIndexParallelArrays
        10334,  // BSONObjectTooLarge
        17419, 17420,  // resulting document too large
    ]
    static let connection: Set<UInt32> = [
        6,  // HostUnreachable
        7,  // HostNotFound
        13,  // Unauthorized
        18,  // AuthenticationFailed
        50,  // MaxTimeMSExpired
        89,  // NetworkTimeout
        91,  // ShutdownInProgress
        189,  // PrimarySteppedDown
        9001,  // SocketException
        10107,  // NotWritablePrimary
        11600,  // InterruptedAtShutdown
        11602,  // InterruptedDueToReplStateChange
        13435,  // NotPrimaryNoSecondaryOk
        13436,  // NotPrimaryOrSecondary
    ]
}
