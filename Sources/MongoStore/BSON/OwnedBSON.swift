import CMongoc
import DocumentStore

/// A heap-allocated `bson_t` owned by exactly one Swift value and destroyed with it.
///
/// Being non-copyable, the owner cannot be duplicated, so the document is released once, on every
/// path, when the owner goes out of scope.
package struct OwnedBSON: ~Copyable {
    /// The document; valid while `self` lives.
    let pointer: OpaquePointer

    /// An empty document.
    init() {
        // bson_new() only returns NULL when malloc fails, which libbson treats as fatal (it aborts).
        guard let pointer = bson_new() else { fatalError("bson_new: out of memory") }
        self.pointer = pointer
    }

    /// A document to store: every integer is written as int64.
    package init(_ document: Document) throws {
        self.init()
        try BSONEncoder.append(document, to: pointer)
    }

    /// A command or options document (sort, projection, limit): integers that fit in 32 bits are
    /// written as int32, as the drivers do for `{ping: 1}`, `{deviceId: 1}` or `limit: 10`.
    init(command: Document) throws {
        self.init()
        try BSONEncoder.append(command, to: pointer, integers: .compact)
    }

    /// A filter or update: data values as int64, the counts and directions of operators such as
    /// `$size`, `$slice` or `$pop` as int32 when they fit.
    init(operators document: Document) throws {
        self.init()
        try BSONEncoder.append(document, to: pointer, integers: .compactOperatorArguments)
    }

    deinit {
        bson_destroy(pointer)
    }

    /// The document read back as a ``Document``.
    package func decode() throws -> Document {
        try BSONDecoder.document(from: pointer)
    }
}

/// Storage for a `bson_t` that libmongoc fills in (a reply), released on every path.
///
/// The storage is initialised to an empty document first, so destroying it is safe even when the
/// libmongoc call returns before writing to it.
struct ReplyBSON: ~Copyable {
    /// The reply; valid while `self` lives.
    let pointer: OpaquePointer

    /// Empty reply storage.
    init() {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: cmongoc_bson_size(), alignment: cmongoc_bson_alignment())
        pointer = OpaquePointer(storage)
        bson_init(pointer)
    }

    deinit {
        bson_destroy(pointer)
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    /// The reply as a ``Document``.
    func decode() throws -> Document {
        try BSONDecoder.document(from: pointer)
    }
}
