// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the FastCGI module (docs/TESTING.md, "Fuzzing"): a package of
// its own, so the sanitizer flags (`--sanitize=fuzzer --sanitize=address`) never touch
// the main build. `make fuzz` builds and runs them.
//
// One binary per target rather than one binary that picks a target by the input's
// first byte: each gets its own corpus and its own `cov:` figure, and libFuzzer never
// spends mutations turning one target's input into another's.
let package = Package(
    name: "luafcgid-fuzz",
    dependencies: [
        .package(name: "luafcgid", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        // What the targets share: reading control bytes off an input, splitting bytes
        // into chunks, a reference name-value parser, and the check that fails a run.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "FastCGI", package: "luafcgid"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzRecordDecoder",
            dependencies: [
                "FuzzSupport",
                .product(name: "FastCGI", package: "luafcgid"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzNameValuePair",
            dependencies: [
                "FuzzSupport",
                .product(name: "FastCGI", package: "luafcgid"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzConnectionStateMachine",
            dependencies: [
                "FuzzSupport",
                .product(name: "FastCGI", package: "luafcgid"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
