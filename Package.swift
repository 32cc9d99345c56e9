// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "luafcgid",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "luafcgid", targets: ["luafcgid"]),
        .executable(name: "luafcgid-load", targets: ["luafcgid-load"]),
        .executable(name: "luafcgid-bench", targets: ["luafcgid-bench"]),
        // The protocol module on its own, for clients of luafcgid and for Fuzz/, the fuzzing package.
        .library(name: "FastCGI", targets: ["FastCGI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Debian's liblua5.4-dev, plus shim.h: Lua's macros as functions and the trampoline that raises Lua errors.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // epoll, eventfd and accept4, which Glibc's module leaves out: the workers do their own FastCGI I/O.
        .systemLibrary(name: "CLinux"),
        // A small Swift face of the Lua C API.
        .target(name: "Lua", dependencies: ["CLua"]),
        // The FastCGI 1.0 protocol alone: records, name-value pairs, the connection state machine.
        .target(
            name: "FastCGI",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // The engine: configuration, dispatcher and workers, script pool, the Lua API, the fronts.
        .target(
            name: "LuaFCGI",
            dependencies: [
                "Lua",
                "FastCGI",
                "CLinux",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "luafcgid",
            dependencies: [
                "LuaFCGI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A FastCGI load generator: the FastCGI module as a client, to measure a server without nginx.
        .executableTarget(
            name: "luafcgid-load",
            dependencies: [
                "FastCGI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: nginx, null, php-fpm, ngx_lua and luafcgid side by side (docs/PERFORMANCE.md).
        // Drives the other programs as processes; it links no part of luafcgid.
        .executableTarget(
            name: "luafcgid-bench",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "FastCGITests",
            dependencies: [
                "FastCGI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "LuaTests", dependencies: ["Lua"]),
        // The load generator's runs go against a real luafcgid `Server` in-process.
        .testTarget(
            name: "LuafcgidLoadTests",
            dependencies: [
                "luafcgid-load",
                "FastCGI",
                "LuaFCGI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LuaFCGITests",
            dependencies: [
                "LuaFCGI",
                "FastCGI",
                "Lua",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Start the real binary behind a private nginx; needs `swift build` first (the Makefile does it).
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "FastCGI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
