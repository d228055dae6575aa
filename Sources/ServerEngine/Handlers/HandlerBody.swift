import DocumentStore
import NIOCore

/// The bytes of a response body, written with the engine's ``JSONWriter`` or given whole: what an application's
/// handler renders (and may keep, to answer again) without importing NIO.
///
/// ```swift
/// var body = HandlerBody(capacity: 256)
/// body.append("{\"peers\":")
/// body.append(json: .array(peers))
/// body.append("}")
/// return .json(rendered: body)
/// ```
public struct HandlerBody: Sendable, Equatable {
    /// The bytes.
    @usableFromInline var buffer: ByteBuffer

    /// An empty body.
    public init() { buffer = ByteBuffer() }

    /// An empty body with room for `capacity` bytes.
    public init(capacity: Int) {
        buffer = ByteBuffer()
        buffer.reserveCapacity(capacity)
    }

    /// The UTF-8 bytes of `string`.
    public init(string: String) { buffer = ByteBuffer(string: string) }

    /// The given bytes.
    public init(bytes: some Sequence<UInt8>) { buffer = ByteBuffer(bytes: bytes) }

    /// The JSON of `value`, as ``JSONWriter`` writes it.
    public init(json value: Value) { buffer = JSONWriter.buffer(value) }

    /// The number of bytes.
    public var count: Int { buffer.readableBytes }

    /// The bytes of storage the body holds (at least ``count``): what keeping it costs.
    public var storageSize: Int { buffer.capacity }

    /// A copy of the bytes.
    public var bytes: [UInt8] { Array(buffer.readableBytesView) }

    /// Appends the UTF-8 bytes of `text`.
    @inlinable public mutating func append(_ text: StaticString) { buffer.writeStaticString(text) }

    /// Appends the JSON of `value`, as ``JSONWriter`` writes it.
    @inlinable public mutating func append(json value: Value) { JSONWriter.write(value, into: &buffer) }
}
