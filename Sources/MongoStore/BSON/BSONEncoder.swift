import CMongoc
import DocumentStore

/// Writes ``Document`` values into libbson documents.
///
/// | `Value` | BSON |
/// |---|---|
/// | `.null` | null |
/// | `.bool` | boolean |
/// | `.int` | int64 in stored documents; int32 when it fits in commands, options and the arguments of counting operators such as `$size` (see ``IntegerWidth``) |
/// | `.double` | double |
/// | `.string` | UTF-8 string, written with its byte length, so embedded NUL characters survive |
/// | `.date` | UTC datetime (milliseconds) |
/// | `.objectId` | ObjectId |
/// | `.array` | array (keys `"0"`, `"1"`, …) |
/// | `.document` | embedded document, field order kept |
enum BSONEncoder {
    /// How integers are written.
    enum IntegerWidth {
        /// Always int64: stored documents and the values filters and updates compare or store.
        case int64
        /// int32 when the value fits: commands, sort and projection documents, limits.
        case compact
        /// int64, except the arguments of ``structuralOperators``, which are compact.
        case compactOperatorArguments
    }

    /// Operators whose arguments are counts, positions, directions or type codes rather than data.
    /// Drivers send these as int32; MongoDB accepts either width, some stand-ins only int32.
    static let structuralOperators: Set<String> = [
        "$size", "$mod", "$type", "$bitsAllSet", "$bitsAllClear", "$bitsAnySet", "$bitsAnyClear",
        "$slice", "$position", "$sort", "$pop",
    ]

    /// Appends every field of `document` to `bson`, in order.
    static func append(_ document: Document, to bson: OpaquePointer, integers: IntegerWidth = .int64) throws {
        for (key, value) in document {
            try append(value, key: key, to: bson, integers: integers)
        }
    }

    /// Appends one field.
    static func append(_ value: Value, key: String, to bson: OpaquePointer, integers: IntegerWidth = .int64) throws {
        let integers = integers == .compactOperatorArguments && structuralOperators.contains(key) ? .compact : integers
        if key.utf8.contains(0) {
            throw StoreError(code: .invalidDocument, message: "a field name contains a NUL character, which BSON cannot store")
        }
        let appended: Bool = try key.withCString { cKey in
            switch value {
            case .null:
                return bson_append_null(bson, cKey, -1)
            case .bool(let flag):
                return bson_append_bool(bson, cKey, -1, flag)
            case .int(let number):
                if integers == .compact, let small = Int32(exactly: number) { return bson_append_int32(bson, cKey, -1, small) }
                return bson_append_int64(bson, cKey, -1, number)
            case .double(let number):
                return bson_append_double(bson, cKey, -1, number)
            case .string(let text):
                return appendString(text, key: cKey, to: bson)
            case .date(let timestamp):
                return bson_append_date_time(bson, cKey, -1, timestamp.millisecondsSinceEpoch)
            case .objectId(let id):
                var oid = bson_oid_t()
                withUnsafeMutableBytes(of: &oid.bytes) { storage in
                    storage.copyBytes(from: id.bytes)
                }
                return bson_append_oid(bson, cKey, -1, &oid)
            case .array(let elements):
                return try appendChild(key: cKey, to: bson, isArray: true) { child in
                    for (index, element) in elements.enumerated() {
                        try append(element, key: String(index), to: child, integers: integers)
                    }
                }
            case .document(let document):
                return try appendChild(key: cKey, to: bson, isArray: false) { child in
                    try append(document, to: child, integers: integers)
                }
            }
        }
        if !appended {
            throw StoreError(
                code: .invalidDocument,
                message: "field '\(key)' cannot be encoded as BSON: the document exceeds the BSON size limit (16 MiB)"
            )
        }
    }

    /// A string with its explicit byte length: embedded NUL characters are kept.
    private static func appendString(_ text: String, key: UnsafePointer<CChar>, to bson: OpaquePointer) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            guard let count = Int32(exactly: utf8.count) else { return false }
            return utf8.withMemoryRebound(to: CChar.self) { chars in
                // An empty buffer may have no base address; libbson needs a valid pointer.
                chars.baseAddress.map { bson_append_utf8(bson, key, -1, $0, count) } ?? bson_append_utf8(bson, key, -1, "", 0)
            }
        }
    }

    /// An embedded document or array built in place inside `bson`.
    ///
    /// The child is closed even when `fill` throws: libbson requires every `begin` to be matched
    /// by an `end` before the parent is used or destroyed.
    private static func appendChild(
        key: UnsafePointer<CChar>,
        to bson: OpaquePointer,
        isArray: Bool,
        _ fill: (OpaquePointer) throws -> Void
    ) throws -> Bool {
        try withUnsafeTemporaryAllocation(byteCount: cmongoc_bson_size(), alignment: cmongoc_bson_alignment()) { storage in
            try appendChild(key: key, to: bson, isArray: isArray, storage: OpaquePointer(storage.baseAddress!), fill)
        }
    }

    private static func appendChild(
        key: UnsafePointer<CChar>,
        to bson: OpaquePointer,
        isArray: Bool,
        storage child: OpaquePointer,
        _ fill: (OpaquePointer) throws -> Void
    ) throws -> Bool {
        let begun = isArray ? bson_append_array_begin(bson, key, -1, child) : bson_append_document_begin(bson, key, -1, child)
        guard begun else { return false }
        do {
            try fill(child)
        } catch {
            _ = isArray ? bson_append_array_end(bson, child) : bson_append_document_end(bson, child)
            throw error
        }
        return isArray ? bson_append_array_end(bson, child) : bson_append_document_end(bson, child)
    }
}
