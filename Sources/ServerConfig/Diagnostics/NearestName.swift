/// Suggests the closest of a set of valid names to a misspelt one, for "did you mean" hints.
enum NearestName {
    /// The candidate with the smallest edit distance, if it is close enough to be a plausible typo.
    static func suggest(for name: String, among candidates: some Sequence<String>) -> String? {
        let lowered = name.lowercased()
        // Ties go to the candidate of the same length (a mistyped letter beats a missing one), then alphabetically,
        // so the hint does not depend on set iteration order.
        var best: (name: String, distance: Int, lengthDifference: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(lowered, candidate.lowercased())
            let lengthDifference = abs(candidate.count - name.count)
            if let current = best, (distance, lengthDifference) >= (current.distance, current.lengthDifference) { continue }
            best = (candidate, distance, lengthDifference)
        }
        guard let best else { return nil }
        // Allow roughly one edit per three characters, at least one and at most three.
        let allowed = min(3, max(1, name.count / 3))
        return best.distance <= allowed ? best.name : nil
    }

    /// Edit distance between two strings, by Unicode scalars, counting a swap of neighbours as one edit
    /// (optimal string alignment), so `PSOT` is one edit from `POST`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
