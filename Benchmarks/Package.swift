// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "StepFlowBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "StepFlow", path: "../"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "StepFlowBenchmarks",
            dependencies: [
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/StepFlowBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // What the release-mode benchmark programs share: options, statistics, readings of the machine.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "StepFlowRuntime", package: "StepFlow"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "BenchmarkSupport"
        ),
        // Durable throughput, scale and latency of the runtime on the SQLite store (release-mode executable).
        .executableTarget(
            name: "RuntimeBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "StepFlowRuntime", package: "StepFlow"),
                .product(name: "StepFlowSQLite", package: "StepFlow"),
                .product(name: "StepFlowTesting", package: "StepFlow"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "RuntimeBenchmarks"
        ),
        // Commit throughput of the SQLite store against the disk's single-transaction commit rate.
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: [
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "StepFlowRuntime", package: "StepFlow"),
                .product(name: "StepFlowSQLite", package: "StepFlow"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "StoreBenchmark"
        ),
        // Durable throughput, wake-up latency and claim cost of the runtime on the PostgreSQL store, with
        // pgbench's commit rate on the same server beside them (release-mode executable).
        .executableTarget(
            name: "PostgresBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "StepFlowRuntime", package: "StepFlow"),
                .product(name: "StepFlowPostgres", package: "StepFlow"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "PostgresBenchmarks"
        ),
        // Issue 10's figures on a large store: label search, statistics, purge while a worker saves steps.
        .executableTarget(
            name: "OperationsBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "StepFlowRuntime", package: "StepFlow"),
                .product(name: "StepFlowSQLite", package: "StepFlow"),
                .product(name: "StepFlowPostgres", package: "StepFlow"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "OperationsBenchmarks"
        ),
        // Issue 11's figures: the dashboard's pages served over HTTP from a store of 1,000,000 processes, and a worker's
        // throughput while 100 clients listen to the live event stream.
        .executableTarget(
            name: "ServerBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "StepFlowRuntime", package: "StepFlow"),
                .product(name: "StepFlowSQLite", package: "StepFlow"),
                .product(name: "StepFlowPostgres", package: "StepFlow"),
                .product(name: "StepFlowServer", package: "StepFlow"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "ServerBenchmarks"
        ),
    ],
    swiftLanguageModes: [.v6]
)
