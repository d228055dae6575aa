// swift-tools-version:6.2
// The registry: a declarative, config-driven server engine and, on top of it,
// a P2P WebRTC signaling and presence registry. See README.md and ARCHITECTURE in the docs.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "registry",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .executable(name: "registry", targets: ["registry"]),
        .library(name: "DocumentStore", targets: ["DocumentStore"]),
        .library(name: "ServerConfig", targets: ["ServerConfig"]),
        .library(name: "ServerEngine", targets: ["ServerEngine"]),
        .library(name: "P2PRegistry", targets: ["P2PRegistry"]),
        // The client library for apps (iOS, macOS, Linux servers): README "Client libraries".
        .library(name: "RegistryClient", targets: ["RegistryClient"]),
        .executable(name: "registry-demo", targets: ["RegistryDemo"]),
        .executable(name: "loadgen", targets: ["LoadGenerator"]),
    ],
    dependencies: [
        // Exact pins: the local package mirror's commit ids are not GitHub's, so no Package.resolved is committed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", exact: "2.8.1"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit", exact: "5.8.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        // Already resolved through Hummingbird; declared because RegistryClient builds WSClient's headers with it.
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        // OpenAPI 3.1 document model for `registry openapi` and GET /openapi.json. The default trait (ExternalLoading)
        // only loads external references, which the generator never does, and slows the build: it is left off.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", exact: "6.4.0", traits: []),
        // HMAC-SHA1 of the TURN credentials (coturn's REST scheme). Already in the graph through jwt-kit, at this version.
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CMongoc",
            pkgConfig: "libmongoc-1.0",
            providers: [.apt(["libmongoc-dev", "libbson-dev"])]
        ),
        .target(
            name: "DocumentStore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MongoStore",
            dependencies: [
                "CMongoc",
                "DocumentStore",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServerConfig",
            dependencies: [
                .product(name: "Yams", package: "Yams")
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServerEngine",
            dependencies: [
                "ServerConfig",
                "DocumentStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServerContract",
            dependencies: [
                "ServerConfig",
                "ServerEngine",
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "P2PRegistry",
            dependencies: [
                "ServerEngine",
                "ServerConfig",
                "DocumentStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                // No HTTPTypes, no NIO: handlers answer in the engine's vocabulary (`ResponseStatus`, `ResponseHeader`,
                // `HandlerBody`), and sockets through `WebSocketSession`.
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RegistryClient",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "RegistryDemo",
            dependencies: [
                "RegistryClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "registry",
            dependencies: [
                "ServerConfig",
                "ServerEngine",
                "DocumentStore",
                "MongoStore",
                "P2PRegistry",
                "ServerContract",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "DocumentStoreBenchmark",
            dependencies: ["DocumentStore"],
            path: "Benchmarks/DocumentStoreBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "LoadGenerator",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Benchmarks/LoadGenerator",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NetworkTestSupport",
            path: "Tests/Support/NetworkTestSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MongoTestSupport",
            dependencies: ["MongoStore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support/MongoTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DocumentStoreTests",
            dependencies: ["DocumentStore", "MongoStore", "MongoTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerConfigTests",
            dependencies: ["ServerConfig"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerEngineTests",
            dependencies: [
                "ServerEngine",
                "ServerConfig",
                "DocumentStore",
                "P2PRegistry",
                "NetworkTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "P2PRegistryTests",
            dependencies: [
                "P2PRegistry",
                "ServerContract",
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                "ServerEngine",
                "ServerConfig",
                "DocumentStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // Also the client's frame types (WSCore, re-exported).
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "MongoStore",
                "MongoTestSupport",
                "NetworkTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RegistryClientTests",
            dependencies: [
                "RegistryClient",
                "P2PRegistry",
                "ServerContract",
                "ServerEngine",
                "ServerConfig",
                "DocumentStore",
                "MongoStore",
                "MongoTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MongoStoreTests",
            dependencies: ["MongoStore", "DocumentStore", "MongoTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["registry", "MongoStore", "MongoTestSupport", "NetworkTestSupport", "DocumentStore"],
            swiftSettings: swiftSettings
        ),
    ]
)
