// swift-tools-version: 6.1
import PackageDescription

// How an application exports StepFlow's spans with swift-otel (OTLP over HTTP/protobuf). A package of its own, so
// that the StepFlow package and its CLI never build swift-otel (several minutes, with its protobuf and HTTP client).
let package = Package(
    name: "OTelExport",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "StepFlow", path: "../.."),
        // Only the OTLP/HTTP exporter (the default also builds gRPC's).
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "OTelExport",
            dependencies: [
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "StepFlowRuntime", package: "StepFlow"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
