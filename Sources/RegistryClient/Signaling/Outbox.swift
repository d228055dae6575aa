/// The frames sent while the socket was not open, sent in order once it is; at most `limit`, the oldest dropped.
struct Outbox: Sendable {
    let limit: Int
    private(set) var frames: [String] = []
    /// How many frames were dropped because the outbox was full.
    private(set) var dropped = 0

    init(limit: Int) {
        self.limit = max(limit, 0)
    }

    mutating func append(_ frame: String) {
        frames.append(frame)
        if frames.count > limit {
            frames.removeFirst(frames.count - limit)
            dropped += 1
        }
    }

    /// Takes the oldest frame.
    mutating func next() -> String? {
        frames.isEmpty ? nil : frames.removeFirst()
    }

    /// Puts a frame that could not be sent back in front.
    mutating func putBack(_ frame: String) {
        frames.insert(frame, at: 0)
    }

    var isEmpty: Bool { frames.isEmpty }
}
