extension JSONParser {
    /// The keys of one JSON object seen so far, to refuse a repeated one in O(1) per key: a short list scanned for
    /// the few keys real objects have, a hash set once there are more (a large object stays linear, not quadratic).
    ///
    /// ```swift
    /// var keys = JSONParser.KeySet()
    /// keys.insert("type")  // true
    /// keys.insert("type")  // false: repeated
    /// ```
    struct KeySet {
        /// Keys kept in a list up to this many; a scan of a few short strings beats hashing them.
        static let listLimit = 8

        private var list: [String] = []
        private var set: Set<String>?

        /// Adds `key`; false when it was there already.
        mutating func insert(_ key: String) -> Bool {
            if set != nil { return set!.insert(key).inserted }
            if list.contains(key) { return false }
            list.append(key)
            if list.count > Self.listLimit {
                set = Set(list)
                list = []
            }
            return true
        }
    }
}
