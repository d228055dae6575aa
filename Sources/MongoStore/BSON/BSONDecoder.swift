import CMongoc
import DocumentStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads libbson documents into ``Document`` values.
///
/// The types ``Value`` models map one to one (int32 and int64 both read as `.int`). The other BSON
/// types, which the registry never writes, read back as:
///
/// | BSON | `Value` |
/// |---|---|
/// | decimal128 | `.double` (nearest double; `NaN`/`±Infinity` kept) |
/// | binary | `.document(["$binary": ["base64": …, "subType": "04"]])` (extended JSON v2 shape) |
/// | regular expression | `.document(["$regularExpression": ["pattern": …, "options": …]])` |
/// | timestamp (internal) | `.document(["$timestamp": ["t": seconds, "i": increment]])` |
/// | min key / max key | `.document(["$minKey": 1])` / `.document(["$maxKey": 1])` |
/// | DBPointer | `.document(["$dbPointer": ["$ref": collection, "$id": .objectId(…)]])` |
/// | JavaScript code (with or without scope), symbol | `.string` (the code or symbol text) |
/// | undefined | `.null` |
///
/// The `$`-keyed shapes are for reading only: writing them back stores an embedded document, not
/// the original BSON type.
package enum BSONDecoder {
    /// The fields of `bson`, in order.
    package static func document(from bson: OpaquePointer) throws -> Document {
        try withIterator { iterator in
            guard bson_iter_init(iterator, bson) else { throw malformed }
            return try document(iterating: iterator)
        }
    }

    /// Runs `body` with storage for one `bson_iter_t` (on the stack when the platform allows).
    private static func withIterator<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try withUnsafeTemporaryAllocation(byteCount: cmongoc_bson_iter_size(), alignment: cmongoc_bson_alignment()) { storage in
            guard let base = storage.baseAddress else { throw malformed }
            return try body(OpaquePointer(base))
        }
    }

    /// The fields from `iterator`'s position to its end.
    static func document(iterating iterator: OpaquePointer) throws -> Document {
        var document = Document()
        while bson_iter_next(iterator) {
            let key = String(cString: bson_iter_key(iterator))
            document[key] = try value(at: iterator)
        }
        return document
    }

    /// The value `iterator` points at.
    static func value(at iterator: OpaquePointer) throws -> Value {
        switch bson_iter_type(iterator) {
        case BSON_TYPE_NULL, BSON_TYPE_UNDEFINED:
            return .null
        case BSON_TYPE_BOOL:
            return .bool(bson_iter_bool(iterator))
        case BSON_TYPE_INT32:
            return .int(Int64(bson_iter_int32(iterator)))
        case BSON_TYPE_INT64:
            return .int(bson_iter_int64(iterator))
        case BSON_TYPE_DOUBLE:
            return .double(bson_iter_double(iterator))
        case BSON_TYPE_UTF8:
            var length: UInt32 = 0
            return .string(string(bson_iter_utf8(iterator, &length), length: length))
        case BSON_TYPE_DATE_TIME:
            return .date(Timestamp(millisecondsSinceEpoch: bson_iter_date_time(iterator)))
        case BSON_TYPE_OID:
            return objectId(bson_iter_oid(iterator)).map(Value.objectId) ?? .null
        case BSON_TYPE_ARRAY:
            return try withIterator { child in
                guard bson_iter_recurse(iterator, child) else { throw malformed }
                return .array(try document(iterating: child).values)
            }
        case BSON_TYPE_DOCUMENT:
            return try withIterator { child in
                guard bson_iter_recurse(iterator, child) else { throw malformed }
                return .document(try document(iterating: child))
            }
        default:
            return otherValue(at: iterator)
        }
    }

    /// The BSON types ``Value`` has no case for (see the table above).
    private static func otherValue(at iterator: OpaquePointer) -> Value {
        switch bson_iter_type(iterator) {
        case BSON_TYPE_DECIMAL128:
            var decimal = bson_decimal128_t()
            guard bson_iter_decimal128(iterator, &decimal) else { return .null }
            var text = [CChar](repeating: 0, count: Int(BSON_DECIMAL128_STRING))
            bson_decimal128_to_string(&decimal, &text)
            let string = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .double(Double(string) ?? .nan)
        case BSON_TYPE_BINARY:
            var subtype = bson_subtype_t(0)
            var length: UInt32 = 0
            var data: UnsafePointer<UInt8>?
            bson_iter_binary(iterator, &subtype, &length, &data)
            let bytes = data.map { Data(UnsafeBufferPointer(start: $0, count: Int(length))) } ?? Data()
            let hex = String(subtype.rawValue, radix: 16)
            return ["$binary": ["base64": .string(bytes.base64EncodedString()), "subType": .string(hex.count < 2 ? "0" + hex : hex)]]
        case BSON_TYPE_REGEX:
            var options: UnsafePointer<CChar>?
            let pattern = bson_iter_regex(iterator, &options).map { String(cString: $0) } ?? ""
            return ["$regularExpression": ["pattern": .string(pattern), "options": .string(options.map { String(cString: $0) } ?? "")]]
        case BSON_TYPE_TIMESTAMP:
            var seconds: UInt32 = 0
            var increment: UInt32 = 0
            bson_iter_timestamp(iterator, &seconds, &increment)
            return ["$timestamp": ["t": .int(Int64(seconds)), "i": .int(Int64(increment))]]
        case BSON_TYPE_MINKEY:
            return ["$minKey": 1]
        case BSON_TYPE_MAXKEY:
            return ["$maxKey": 1]
        case BSON_TYPE_DBPOINTER:
            var length: UInt32 = 0
            var collection: UnsafePointer<CChar>?
            var oid: UnsafePointer<bson_oid_t>?
            bson_iter_dbpointer(iterator, &length, &collection, &oid)
            return ["$dbPointer": ["$ref": .string(string(collection, length: length)), "$id": objectId(oid).map(Value.objectId) ?? .null]]
        case BSON_TYPE_CODE:
            var length: UInt32 = 0
            return .string(string(bson_iter_code(iterator, &length), length: length))
        case BSON_TYPE_CODEWSCOPE:
            var length: UInt32 = 0
            var scopeLength: UInt32 = 0
            var scope: UnsafePointer<UInt8>?
            return .string(string(bson_iter_codewscope(iterator, &length, &scopeLength, &scope), length: length))
        case BSON_TYPE_SYMBOL:
            var length: UInt32 = 0
            return .string(string(bson_iter_symbol(iterator, &length), length: length))
        default:
            return .null
        }
    }

    /// A string of exactly `length` bytes (it may contain NUL characters).
    private static func string(_ pointer: UnsafePointer<CChar>?, length: UInt32) -> String {
        guard let pointer else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
        }
    }

    private static func objectId(_ pointer: UnsafePointer<bson_oid_t>?) -> ObjectId? {
        guard let pointer else { return nil }
        return withUnsafeBytes(of: pointer.pointee.bytes) { ObjectId(bytes: $0) }
    }

    private static var malformed: StoreError {
        StoreError(code: .internalError, message: "the server sent a malformed BSON document")
    }
}
