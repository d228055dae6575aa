extension Duration {
    /// The duration in seconds, fractions included, for `Date` arithmetic and `TimeInterval`s.
    ///
    /// ```swift
    /// Duration.milliseconds(1500).seconds  // 1.5
    /// ```
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds, the fraction dropped (exact integer arithmetic, for windows counted in milliseconds).
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Milliseconds rounded to one decimal, as logs and replies show an elapsed time (`durationMs`).
    package var roundedMilliseconds: Double {
        let (seconds, attoseconds) = components
        return ((Double(seconds) * 1000 + Double(attoseconds) / 1e15) * 10).rounded() / 10
    }
}
