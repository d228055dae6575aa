/// A short fingerprint of the files in force, shown by `registry check` and `GET /readyz`, so an operator can
/// tell which edit of the mounted files a running server uses.
extension ServerConfiguration {
    /// 16 hex digits: FNV-1a (64-bit) over each file's name and text, in file-name order. Environment
    /// variables are not part of it; they cannot change while a process runs.
    public var digest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            hash ^= 0xff  // a separator no UTF-8 text contains
            hash &*= 0x0000_0100_0000_01b3
        }
        for (name, text) in sources.sorted(by: { $0.key < $1.key }) {
            mix(name)
            mix(text)
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
