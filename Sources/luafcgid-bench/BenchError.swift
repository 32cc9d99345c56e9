/// Why the benchmark could not go on; the message names the part that failed
/// ("nginx exited: …", "php-fpm: /php-fpm/page answered 500").
struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
