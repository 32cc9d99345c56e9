extension Duration {
    /// The duration in seconds, as a `Double` (for timeouts that APIs take in
    /// seconds, the uptime, the pool's clock).
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
